/**
 * Day and shift closes over the API: the totals frozen from the stored sales, the overlap rule
 * (409 unless a different shift), the plausibility of the range, the audit, reading a close back
 * as JSON, CSV and a printable page.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cierre } from '../domain/types.js';
import { unaTransaccion } from '../store/test-builders.js';
import { type ApiHarness, createApiHarness } from './test-harness.js';

let t: ApiHarness;
beforeEach(async () => {
  // The fake clock starts at 2026-01-15T14:00:00Z.
  t = await createApiHarness({}, undefined, {}, { zonaHoraria: 'America/Santiago' });
});
afterEach(async () => {
  await t.close();
});

const cerrar = (body: Record<string, unknown>, rol: 'supervisor' | 'operador' = 'supervisor') =>
  t.api.inject({ method: 'POST', url: '/api/cierres', headers: t.as(rol), payload: body });

/** Sales of 2026-01-14 in Chile (UTC−3), one just before and one just after that day. */
async function ventasDelDia(): Promise<void> {
  await t.h.store.insertTransactions([
    unaTransaccion({ id_surtidor: 1, fecha_fin: '2026-01-14T02:59:59.999Z', litros: 99, monto_total: 99_000 }),
    unaTransaccion({
      id_surtidor: 1,
      fecha_fin: '2026-01-14T03:00:00Z',
      litros: 10.5,
      monto_total: 13_545,
      operador: 'juan',
      metodo_pago: 'tarjeta',
    }),
    unaTransaccion({
      id_surtidor: 2,
      fecha_fin: '2026-01-14T20:30:00-03:00',
      litros: 20,
      monto_total: 25_800,
      operador: 'ana',
      reembolso: 4_200,
      tipo_combustible: 'diesel',
    }),
    unaTransaccion({ id_surtidor: 2, fecha_fin: '2026-01-15T02:59:59.999Z', litros: 1, monto_total: 1_290 }),
    unaTransaccion({ id_surtidor: 3, fecha_fin: '2026-01-15T03:00:00Z', litros: 50, monto_total: 64_500 }),
  ]);
}

describe('POST /api/cierres', () => {
  it('closes a day of the station time zone: totals by pump, fuel, payment method and attendant', async () => {
    await ventasDelDia();
    const r = await cerrar({ fecha: '2026-01-14' });
    expect(r.statusCode).toBe(201);
    const c = r.json<Cierre>();
    expect(c).toMatchObject({
      desde: '2026-01-14T03:00:00.000Z',
      hasta: '2026-01-15T02:59:59.999Z',
      fecha: '2026-01-14',
      turno: null,
      zona_horaria: 'America/Santiago',
      creado: '2026-01-15T14:00:00.000Z',
      usuario: 'sofia',
      total: { transacciones: 3, litros: 31.5, monto: 40_635, reembolsos: 4_200 },
      conciliacion: null,
    });
    expect(c.por_surtidor.map((g) => [g.id_surtidor, g.transacciones, g.monto])).toEqual([
      [1, 1, 13_545],
      [2, 2, 27_090],
    ]);
    expect(c.por_combustible.map((g) => [g.tipo_combustible, g.litros])).toEqual([
      ['93', 11.5],
      ['diesel', 20],
    ]);
    expect(c.por_metodo_pago.map((g) => [g.metodo_pago, g.transacciones])).toEqual([
      ['efectivo', 2],
      ['tarjeta', 1],
    ]);
    expect(c.por_operador.map((g) => [g.operador, g.monto, g.reembolsos])).toEqual([
      ['ana', 25_800, 4_200],
      ['juan', 13_545, 0],
      [null, 1_290, 0],
    ]);
    // Stored: read back as it was made.
    const leido = await t.api.inject({ url: `/api/cierres/${c.id_cierre}`, headers: t.as('lectura') });
    expect(leido.json()).toStrictEqual(c);
  });

  it('freezes the totals: a sale stored later in the range does not change the close', async () => {
    await ventasDelDia();
    const c = (await cerrar({ fecha: '2026-01-14' })).json<Cierre>();
    await t.h.store.insertTransactions([unaTransaccion({ fecha_fin: '2026-01-14T12:00:00Z' })]);
    const leido = await t.api.inject({ url: `/api/cierres/${c.id_cierre}`, headers: t.as('lectura') });
    expect(leido.json<Cierre>().total.transacciones).toBe(3);
  });

  it('journals a stored close for the company (ext, issue 15), and not a refused one', async () => {
    const journal = t.h.service.journal;
    const antes = journal.visible;
    const r = await cerrar({ fecha: '2026-01-13' });
    expect(r.statusCode).toBe(201);
    expect((await cerrar({ fecha: '2026-01-13' })).statusCode).toBe(409);
    const nuevos = await t.h.store.readReports(antes, journal.visible, 10);
    expect(nuevos).toEqual([
      {
        seq: antes + 1,
        clase: 'cierre',
        datos: expect.objectContaining({ id_cierre: r.json<Cierre>().id_cierre }) as object,
      },
    ]);
  });

  it('refuses an overlapping close with 409 unless it is another shift, and audits both', async () => {
    const dia = (await cerrar({ fecha: '2026-01-14' })).json<Cierre>();
    const otra = await cerrar({ desde: '2026-01-14T12:00:00Z', hasta: '2026-01-14T13:00:00Z' });
    expect(otra.statusCode).toBe(409);
    expect(otra.json()).toMatchObject({ error: { codigo: 'CIERRE_SUPERPUESTO' } });
    expect(otra.json<{ error: { mensaje: string } }>().error.mensaje).toContain(dia.id_cierre);
    // Shifts: two different ones may overlap each other (not a whole-range close).
    expect((await cerrar({ fecha: '2026-01-13', turno: 'mañana' })).statusCode).toBe(201);
    expect((await cerrar({ fecha: '2026-01-13', turno: 'tarde' })).statusCode).toBe(201);
    expect((await cerrar({ fecha: '2026-01-13', turno: 'tarde' })).statusCode).toBe(409);
    expect((await cerrar({ fecha: '2026-01-13' })).statusCode).toBe(409);

    const audit = await t.api.inject({ url: '/api/auditoria?accion=cierre.crear', headers: t.as('admin') });
    const entradas = audit.json<{ resultado: string; usuario: string; objetivo: string }[]>();
    expect(entradas.filter((e) => e.resultado === 'ok')).toHaveLength(3);
    expect(entradas.filter((e) => e.resultado === 'error')).toHaveLength(3);
    expect(entradas.at(-1)).toMatchObject({ usuario: 'sofia', objetivo: `cierre:${dia.id_cierre}`, resultado: 'ok' });
  });

  it('refuses an implausible range with 400 RANGO_INVALIDO', async () => {
    for (const body of [
      {},
      { fecha: '2026-01-14', desde: '2026-01-14T00:00:00Z' },
      { desde: '2026-01-14T00:00:00Z' },
      { desde: '2026-01-14T10:00:00Z', hasta: '2026-01-14T09:00:00Z' },
      { desde: '2025-11-01T00:00:00Z', hasta: '2026-01-01T00:00:00Z' },
      // Not begun yet.
      { fecha: '2026-01-16' },
    ]) {
      const r = await cerrar(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json()).toMatchObject({ error: { codigo: 'RANGO_INVALIDO' } });
    }
    expect((await cerrar({ fecha: '2026-02-30' })).statusCode).toBe(400);
    expect((await cerrar({ fecha: '2026-01-14', extra: 1 })).statusCode).toBe(400);
    expect((await cerrar({ fecha: '2026-01-14', turno: '   ' })).statusCode).toBe(400);
  });

  it('is for supervisors', async () => {
    expect((await cerrar({ fecha: '2026-01-14' }, 'operador')).statusCode).toBe(403);
  });
});

describe('GET /api/cierres', () => {
  it('lists the newest range first with the total in x-total-count, and 404 for an unknown id', async () => {
    const a = (await cerrar({ fecha: '2026-01-12' })).json<Cierre>();
    const b = (await cerrar({ fecha: '2026-01-13' })).json<Cierre>();
    const r = await t.api.inject({ url: '/api/cierres?limit=1', headers: t.as('lectura') });
    expect(r.headers['x-total-count']).toBe('2');
    expect(r.json<Cierre[]>().map((c) => c.id_cierre)).toEqual([b.id_cierre]);
    const todos = await t.api.inject({ url: '/api/cierres', headers: t.as('lectura') });
    expect(todos.json<Cierre[]>().map((c) => c.id_cierre)).toEqual([b.id_cierre, a.id_cierre]);
    const no = await t.api.inject({ url: '/api/cierres/nada', headers: t.as('lectura') });
    expect(no.statusCode).toBe(404);
    expect(no.json()).toMatchObject({ error: { codigo: 'CIERRE_NO_ENCONTRADO' } });
  });
});

describe('the printable page', () => {
  it('is served for Accept: text/html and at /cierres/:id_cierre/imprimir, in Spanish, escaped', async () => {
    await t.h.store.insertTransactions([
      unaTransaccion({ fecha_fin: '2026-01-14T15:00:00Z', nombre_surtidor: '<b>Isla</b> & "1"', operador: 'juan' }),
    ]);
    const c = (await cerrar({ fecha: '2026-01-14', turno: 'noche' })).json<Cierre>();
    const html = await t.api.inject({
      url: `/api/cierres/${c.id_cierre}`,
      headers: { ...t.as('lectura'), accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    const imprimir = await t.api.inject({ url: `/cierres/${c.id_cierre}/imprimir`, headers: t.as('lectura') });
    for (const r of [html, imprimir]) {
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.body).toContain('<html lang="es">');
      expect(r.body).toContain('Cierre del día 2026-01-14, turno noche');
      expect(r.body).toContain('Estación de prueba');
      expect(r.body).toContain('Firma del supervisor');
      expect(r.body).toContain('&lt;b&gt;Isla&lt;/b&gt; &amp; &quot;1&quot;');
      expect(r.body).not.toContain('<b>Isla</b>');
      expect(r.body).toContain('@media print');
    }
    expect((await t.api.inject({ url: '/cierres/nada/imprimir', headers: t.as('lectura') })).statusCode).toBe(404);
    expect((await t.api.inject({ url: `/cierres/${c.id_cierre}/imprimir` })).statusCode).toBe(401);
  });
});
