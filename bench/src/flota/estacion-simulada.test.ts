import {
  type CompanyToStation,
  MAX_VERSION_JUMP,
  reporte,
  stationToCompany,
  ventaReportada,
} from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import { contadoresVacios, EstacionSimulada, PRECIOS_INICIALES } from './estacion-simulada.js';

const T0 = Date.parse('2026-11-30T12:00:00Z');
const PRECIOS = { precio_93: 1300, precio_95: 1400, precio_97: 1500, precio_diesel: 1100 };

function estacion(tokens: string[] = []) {
  const contadores = contadoresVacios();
  const e = new EstacionSimulada(
    'flota-7',
    'Flota 7',
    { tokens, authTimeoutMs: 10_000, maxLineasInvalidas: 2 },
    contadores,
  );
  return { e, contadores };
}

/** The lines written, parsed with the station → company schema (so each one is valid on the wire). */
function lines(out: string) {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => stationToCompany.parse(JSON.parse(l)));
}

const update = (version: number, extra: Partial<Extract<CompanyToStation, { tipo: 'actualizacion_precios' }>> = {}) =>
  ({
    tipo: 'actualizacion_precios',
    precios: PRECIOS,
    version,
    timestamp: new Date(T0).toISOString(),
    ...extra,
  }) as const;

describe('EstacionSimulada: link 2 as the station answers it', () => {
  it('greets with estacion_info carrying ultimo_seq and its versions', () => {
    const { e } = estacion();
    e.tick(T0, 5);
    const { saludo } = e.aceptar(T0);
    expect(lines(saludo)).toEqual([
      { tipo: 'estacion_info', id_estacion: 'flota-7', nombre: 'Flota 7', version_precios: 0, ultimo_seq: 5 },
    ]);
  });

  it('with a token: nothing but autenticacion first; a wrong token closes; the right one lets prices in', () => {
    const { e, contadores } = estacion(['secreto']);
    const a = e.aceptar(T0).conexion;
    expect(lines(e.recibir(a, update(3), T0))).toMatchObject([{ tipo: 'error', codigo: 'AUTENTICACION_FALLIDA' }]);
    expect(a.cerrar).toBe(true);
    expect(e.version).toBe(0);

    const b = e.aceptar(T0).conexion;
    e.recibir(b, { tipo: 'autenticacion', empresa: 'X', token: 'otro' }, T0);
    expect(b.cerrar).toBe(true);

    const c = e.aceptar(T0).conexion;
    expect(c.plazoAutenticacion).toBe(T0 + 10_000);
    expect(e.recibir(c, { tipo: 'autenticacion', empresa: 'X', token: 'secreto' }, T0)).toBe('');
    expect(lines(e.recibir(c, update(3), T0))).toEqual([{ tipo: 'precios_recibidos', version: 3 }]);
    expect(contadores.autenticacionesFallidas).toBe(2);
  });

  it('applies only newer versions, answers the one held, and refuses what breaks the prices rule', () => {
    const { e, contadores } = estacion();
    const c = e.aceptar(T0).conexion;
    expect(lines(e.recibir(c, update(4), T0))).toEqual([{ tipo: 'precios_recibidos', version: 4 }]);
    expect(e.precios).toEqual(PRECIOS);
    expect(lines(e.recibir(c, update(2, { precios: PRECIOS_INICIALES }), T0))).toEqual([
      { tipo: 'precios_recibidos', version: 4 },
    ]);
    expect(e.precios).toEqual(PRECIOS);
    expect(lines(e.recibir(c, update(5, { precios: { ...PRECIOS, precio_95: 14 } }), T0))).toMatchObject([
      { tipo: 'error', codigo: 'PRECIO_FUERA_DE_RANGO' },
    ]);
    expect(lines(e.recibir(c, update(4 + MAX_VERSION_JUMP + 1), T0))).toMatchObject([
      { tipo: 'error', codigo: 'VERSION_INVALIDA' },
    ]);
    expect(e.version).toBe(4);
    expect(contadores.rechazos).toBe(2);
  });

  it('keeps a version with a future vigencia scheduled, puts it in force on the tick, answers cancellations', () => {
    const { e } = estacion();
    const c = e.aceptar(T0).conexion;
    e.recibir(c, update(1), T0);
    const vigencia = new Date(T0 + 60_000).toISOString();
    expect(lines(e.recibir(c, update(2, { vigencia }), T0))).toEqual([{ tipo: 'precios_recibidos', version: 2 }]);
    expect(e.version).toBe(1);
    expect(lines(e.aceptar(T0).saludo)[0]).toMatchObject({ version_precios: 1, version_programada: 2 });
    expect(lines(e.recibir(c, { tipo: 'cancelacion_precios', version: 2, timestamp: vigencia }, T0))).toEqual([
      { tipo: 'cancelacion_recibida', version: 2, resultado: 'cancelada', version_precios: 1 },
    ]);
    e.recibir(c, update(3, { vigencia }), T0);
    e.tick(T0 + 59_999, 0);
    expect(e.version).toBe(1);
    e.tick(T0 + 60_000, 0);
    expect(e.version).toBe(3);
    expect(lines(e.recibir(c, { tipo: 'cancelacion_precios', version: 3, timestamp: vigencia }, T0))).toMatchObject([
      { resultado: 'ya_aplicada', version_precios: 3 },
    ]);
    expect(lines(e.recibir(c, { tipo: 'cancelacion_precios', version: 9, timestamp: vigencia }, T0))).toMatchObject([
      { resultado: 'desconocida' },
    ]);
  });

  it('uploads its sales in seq order within the window, moves on with acks, resumes from the acked seq', () => {
    const { e, contadores } = estacion();
    e.recibir(e.aceptar(T0).conexion, update(7), T0);
    e.tick(T0, 2.5);
    e.tick(T0, 2.5);
    expect(e.ultimoSeq).toBe(5);
    const c = e.aceptar(T0).conexion;
    const sent = lines(e.recibir(c, { tipo: 'suscripcion_reportes', ventana: 3 }, T0));
    expect(sent.map((m) => (m.tipo === 'reporte' ? m.seq : null))).toEqual([1, 2, 3]);
    for (const m of sent) {
      const r = reporte.parse(m);
      expect(r.clase).toBe('venta');
      const v = ventaReportada.parse(r.datos);
      expect(v.id_transaccion).toBe(`flota-7-${r.seq}`);
      expect(v.version_precios).toBe(7);
      expect(v.monto_total).toBe(Math.round(v.litros * v.precio_por_litro));
      expect(Date.parse(v.fecha_inicio)).toBeLessThan(Date.parse(v.fecha_fin));
    }
    // An ack beyond what was sent acknowledges only what was sent.
    const more = lines(e.recibir(c, { tipo: 'reportes_recibidos', hasta_seq: 99 }, T0));
    expect(e.confirmadoHasta).toBe(3);
    expect(more.map((m) => (m.tipo === 'reporte' ? m.seq : null))).toEqual([4, 5]);
    // Cut before 4 and 5 were acked: the next connection starts again after 3.
    const again = e.aceptar(T0);
    expect(lines(again.saludo)[0]).toMatchObject({ ultimo_seq: 5 });
    const resent = lines(e.recibir(again.conexion, { tipo: 'suscripcion_reportes', ventana: 10 }, T0));
    expect(resent.map((m) => (m.tipo === 'reporte' ? m.seq : null))).toEqual([4, 5]);
    e.recibir(again.conexion, { tipo: 'reportes_recibidos', hasta_seq: 5 }, T0);
    expect(contadores.reportesConfirmados).toBe(5);
    expect(contadores.reportesEnviados).toBe(7);
  });

  it('answers ping, and closes after too many invalid lines', () => {
    const { e } = estacion();
    const c = e.aceptar(T0).conexion;
    expect(lines(e.recibir(c, { tipo: 'ping' }, T0))).toMatchObject([{ tipo: 'pong' }]);
    const bad = { tipo: 'error', codigo: 'JSON_INVALIDO', mensaje: 'x' } as const;
    e.lineaInvalida(c, bad);
    e.lineaInvalida(c, bad);
    expect(c.cerrar).toBe(false);
    expect(lines(e.lineaInvalida(c, bad))).toMatchObject([{ codigo: 'JSON_INVALIDO' }, { codigo: 'LIMITE_EXCEDIDO' }]);
    expect(c.cerrar).toBe(true);
  });
});
