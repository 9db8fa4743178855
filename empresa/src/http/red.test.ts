/**
 * (issue 15) The network API: GET /api/ventas, /api/resumen, /api/red and the station detail, on
 * reports written to the store as the intake writes them. The clock is fixed (FakeClock:
 * 2026-01-15T14:00Z, 11:00 in America/Santiago), so "today" is 2026-01-15 there.
 */
import type { CompanyRole } from '@combustible/server';
import { FakeClock } from '@combustible/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCompany } from '../company.js';
import type { ReporteEntrante } from '../domain/reports.js';
import { entrante, unaAlertaReportada, unaVentaReportada, unSurtidorReportado } from '../store/test-builders.js';
import { bearer, startTestCompany, tokensByRole } from '../test-harness.js';

let c: RunningCompany;
let tokens: Record<CompanyRole, string>;

beforeEach(async () => {
  c = await startTestCompany({}, { clock: new FakeClock() });
  tokens = await tokensByRole(c);
  // Nothing listens there: the links stay down (their retries wait on the fake clock).
  for (const [id, puerto] of [
    ['norte', 1],
    ['sur', 2],
  ] as const)
    await c.service.addStation(
      { id_estacion: id, nombre: id.toUpperCase(), host: '127.0.0.1', puerto },
      {
        usuario: 'test',
        rol: 'admin',
        ip: null,
      },
    );
  // This replica takes the two stations' leases now (its rounds wait on the fake clock).
  await c.replicas.round();
});
afterEach(async () => {
  await c.stop();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  c.api.inject({ method: 'GET', url, headers: { ...bearer(tokens.lectura), ...headers } });

const save = (lote: ReporteEntrante[]) => c.store.saveReports(lote, { maxApartados: 100 });

const venta = (id: string, seq: number, o: Parameters<typeof unaVentaReportada>[0]) =>
  entrante(id, seq, { clase: 'venta', datos: unaVentaReportada(o) });

/** Three sales at norte (two today), one at sur, one yesterday evening local time. */
async function seedSales() {
  await save([
    venta('norte', 1, { id_transaccion: 'n1', fecha_fin: '2026-01-15T13:00:00Z', litros: 10, precio_por_litro: 1290 }),
    venta('norte', 2, {
      id_transaccion: 'n2',
      fecha_fin: '2026-01-15T13:30:00Z',
      litros: 5.5555,
      precio_por_litro: 1120,
      tipo_combustible: 'diesel',
      id_surtidor: 2,
    }),
    // 23:30 on the 14th in Santiago (UTC-3): yesterday there, although the 15th in UTC.
    venta('norte', 3, { id_transaccion: 'n3', fecha_fin: '2026-01-15T02:30:00Z', litros: 1, precio_por_litro: 1290 }),
    venta('sur', 1, {
      id_transaccion: 's1',
      fecha_fin: '2026-01-15T12:00:00Z',
      litros: 20,
      precio_por_litro: 1350,
      tipo_combustible: '95',
    }),
  ]);
}

describe('GET /api/ventas', () => {
  it('lists the sales newest first with the total in x-total-count, filtered and paged', async () => {
    await seedSales();
    const all = await get('/api/ventas');
    expect(all.statusCode).toBe(200);
    expect(all.headers['x-total-count']).toBe('4');
    expect(all.json<{ id_transaccion: string }[]>().map((v) => v.id_transaccion)).toEqual(['n2', 'n1', 's1', 'n3']);
    expect(all.json<unknown[]>()[0]).toStrictEqual({
      id_estacion: 'norte',
      seq: 2,
      recibida_empresa: '2026-01-15T14:05:00.000Z',
      ...unaVentaReportada({
        id_transaccion: 'n2',
        fecha_fin: '2026-01-15T13:30:00Z',
        litros: 5.5555,
        precio_por_litro: 1120,
        tipo_combustible: 'diesel',
        id_surtidor: 2,
      }),
    });
    const page = await get('/api/ventas?estacion=norte&limit=1&offset=1');
    expect(page.headers['x-total-count']).toBe('3');
    expect(page.json<{ id_transaccion: string }[]>().map((v) => v.id_transaccion)).toEqual(['n1']);
    const filtered = await get(
      '/api/ventas?combustible=93&surtidor=1&desde=2026-01-15T03:00:00Z&hasta=2026-01-15T23:59:59Z',
    );
    expect(filtered.json<{ id_transaccion: string }[]>().map((v) => v.id_transaccion)).toEqual(['n1']);
  });

  it('refuses unbounded or malformed paging and filters', async () => {
    for (const q of [
      'limit=1001',
      'limit=0',
      'offset=100001',
      'surtidor=0',
      'combustible=98',
      'desde=ayer',
      'estacion=..',
    ]) {
      const r = await get(`/api/ventas?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.json<{ error: { codigo: string } }>().error.codigo, q).toBe('VALIDACION');
    }
  });

  it('exports every matching sale as CSV with ?formato=csv or Accept: text/csv', async () => {
    await seedSales();
    const r = await get('/api/ventas?formato=csv&estacion=norte');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    const lines = r.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]?.split(';').slice(0, 4)).toEqual(['id_estacion', 'seq', 'id_surtidor', 'id_transaccion']);
    expect(lines.slice(1).map((l) => l.split(';')[3])).toEqual(['n2', 'n1', 'n3']);
    expect(lines[1]).toContain(';5,5555;');
    const accept = await get('/api/ventas', { accept: 'text/csv' });
    expect(accept.body.trim().split('\r\n')).toHaveLength(5);
  });
});

describe('GET /api/resumen', () => {
  it('sums by station, fuel and day in the company time zone, litres to 3 decimals', async () => {
    await seedSales();
    const r = await get('/api/resumen?desde=2026-01-14T00:00:00Z&hasta=2026-01-15T23:59:59Z');
    expect(r.statusCode).toBe(200);
    const montoN2 = Math.round(5.5555 * 1120);
    expect(r.json()).toStrictEqual({
      desde: '2026-01-14T00:00:00.000Z',
      hasta: '2026-01-15T23:59:59.000Z',
      zona_horaria: 'America/Santiago',
      total: { transacciones: 4, litros: 36.556, monto: 12900 + montoN2 + 1290 + 27000 },
      por_estacion: [
        { id_estacion: 'norte', transacciones: 3, litros: 16.556, monto: 12900 + montoN2 + 1290 },
        { id_estacion: 'sur', transacciones: 1, litros: 20, monto: 27000 },
      ],
      por_combustible: [
        { tipo_combustible: '93', transacciones: 2, litros: 11, monto: 14190 },
        { tipo_combustible: '95', transacciones: 1, litros: 20, monto: 27000 },
        { tipo_combustible: 'diesel', transacciones: 1, litros: 5.556, monto: montoN2 },
      ],
      por_dia: [
        { fecha: '2026-01-14', tipo_combustible: '93', transacciones: 1, litros: 1, monto: 1290 },
        { fecha: '2026-01-15', tipo_combustible: '93', transacciones: 1, litros: 10, monto: 12900 },
        { fecha: '2026-01-15', tipo_combustible: '95', transacciones: 1, litros: 20, monto: 27000 },
        { fecha: '2026-01-15', tipo_combustible: 'diesel', transacciones: 1, litros: 5.556, monto: montoN2 },
      ],
    });
    const sur = await get('/api/resumen?estacion=sur');
    expect(sur.json()).toMatchObject({
      hasta: '2026-01-15T14:00:00.000Z',
      desde: '2026-01-08T14:00:00.000Z',
      total: { transacciones: 1, monto: 27000 },
    });
  });

  it('refuses a range that ends before it starts or spans more than 366 days', async () => {
    for (const q of [
      'desde=2026-01-15T00:00:00Z&hasta=2026-01-14T00:00:00Z',
      'desde=2024-01-01T00:00:00Z&hasta=2026-01-14T00:00:00Z',
    ]) {
      const r = await get(`/api/resumen?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.json<{ error: { codigo: string } }>().error.codigo).toBe('RANGO_INVALIDO');
    }
  });
});

describe('GET /api/red and the station detail', () => {
  async function seedNetwork() {
    await seedSales();
    const surtidor = (id: string, seq: number, id_surtidor: number, version_precios: number | null) =>
      entrante(id, seq, { clase: 'surtidor', datos: unSurtidorReportado({ id_surtidor, version_precios }) });
    const alerta = (id: string, seq: number, o: Parameters<typeof unaAlertaReportada>[0]) =>
      entrante(id, seq, { clase: 'alerta', datos: unaAlertaReportada(o) });
    await save([
      surtidor('norte', 10, 1, 1),
      surtidor('norte', 11, 2, 0),
      surtidor('sur', 10, 1, 1),
      alerta('norte', 12, { id: 'a1', severidad: 'critica' }),
      alerta('norte', 13, { id: 'a2', severidad: 'info' }),
      alerta('norte', 14, { id: 'a3', severidad: 'advertencia', resuelta: '2026-01-15T13:00:00.000Z' }),
      entrante('sur', 11, {
        clase: 'rechazado',
        clase_reportada: 'tanque',
        codigo: 'CLASE_DESCONOCIDA',
        motivo: 'clase "tanque" desconocida',
        datos: { nivel: 1 },
      }),
    ]);
  }

  it('shows every station with its pumps at the version in force, today sales, open alerts and reports', async () => {
    await seedNetwork();
    const r = await get('/api/red');
    expect(r.statusCode).toBe(200);
    const body = r.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      generado: '2026-01-15T14:00:00.000Z',
      version_vigente: 1,
      zona_horaria: 'America/Santiago',
      totales: {
        estaciones: 2,
        conectadas: 0,
        surtidores: 3,
        surtidores_al_dia: 2,
        ventas_hoy: { transacciones: 3 },
        alertas_abiertas: 2,
      },
    });
    const norte = (body.estaciones as Record<string, unknown>[])[0];
    expect(norte).toStrictEqual({
      id_estacion: 'norte',
      nombre: 'NORTE',
      conectada: false,
      estado: expect.any(String),
      ultimo_contacto: null,
      version_confirmada: null,
      surtidores: { total: 2, al_dia: 1 },
      ventas_hoy: { transacciones: 2, litros: 15.556, monto: 12900 + Math.round(5.5555 * 1120) },
      alertas_abiertas: { total: 2, critica: 1, advertencia: 0, info: 1 },
      reportes: { ultimo_seq_recibido: 14, ultimo_seq_estacion: null, pendientes: null, rechazados: 0, conflictos: 0 },
      propietario: c.replicas.id,
    });
    expect((body.estaciones as Record<string, unknown>[])[1]).toMatchObject({
      id_estacion: 'sur',
      surtidores: { total: 1, al_dia: 1 },
      reportes: { ultimo_seq_recibido: 11, rechazados: 1 },
    });
  });

  it('GET /api/estaciones/:id adds the pumps, the open alerts, the reports and what was kept apart', async () => {
    await seedNetwork();
    const norte = await get('/api/estaciones/norte');
    expect(norte.statusCode).toBe(200);
    expect(norte.json()).toMatchObject({
      id_estacion: 'norte',
      surtidores: [
        { id_estacion: 'norte', id_surtidor: 1, version_precios: 1, seq: 10 },
        { id_surtidor: 2, version_precios: 0 },
      ],
      // Newest first (the same creada: by id, descending).
      alertas_abiertas: [
        { id: 'a2', severidad: 'info' },
        { id: 'a1', severidad: 'critica' },
      ],
      reportes: { ultimo_seq_recibido: 14, rechazados: 0, conflictos: 0 },
      reportes_apartados: [],
    });
    const sur = await get('/api/estaciones/sur');
    expect(sur.json()).toMatchObject({
      reportes_apartados: [{ tipo: 'rechazado', seq: 11, clase: 'tanque', codigo: 'CLASE_DESCONOCIDA' }],
    });
    expect((await get('/api/estaciones/nadie')).statusCode).toBe(404);
  });

  it('shows a station another replica holds as that replica wrote its link on the lease; an expired lease as not connected', async () => {
    const now = Date.parse('2026-01-15T14:00:00.000Z');
    // Another replica (same store) holds oeste and shares its link; este's lease (of a dead one) expired.
    await c.store.claimLeases(['oeste'], 'otra', now, now + 6_000);
    await c.store.recordLinkStates('otra', [
      {
        id_estacion: 'oeste',
        estado: 'sincronizado',
        conectada: true,
        version_confirmada: 1,
        ultimo_contacto: '2026-01-15T13:59:59.000Z',
        ultimo_error: null,
      },
    ]);
    await c.store.claimLeases(['este'], 'muerta', now - 10_000, now);
    await c.store.recordLinkStates('muerta', [
      {
        id_estacion: 'este',
        estado: 'sincronizado',
        conectada: true,
        version_confirmada: 1,
        ultimo_contacto: null,
        ultimo_error: null,
      },
    ]);
    const actor = { usuario: 'test', rol: 'admin' as const, ip: null };
    await c.service.addStation({ id_estacion: 'oeste', nombre: 'OESTE', host: '127.0.0.1', puerto: 3 }, actor);
    await c.service.addStation({ id_estacion: 'este', nombre: 'ESTE', host: '127.0.0.1', puerto: 4 }, actor);
    const red = (await get('/api/red')).json<{
      totales: { conectadas: number };
      estaciones: Record<string, unknown>[];
    }>();
    const fila = (id: string) => red.estaciones.find((e) => e.id_estacion === id);
    expect(fila('oeste')).toMatchObject({
      conectada: true,
      estado: 'sincronizado',
      version_confirmada: 1,
      ultimo_contacto: '2026-01-15T13:59:59.000Z',
      propietario: 'otra',
    });
    expect(fila('este')).toMatchObject({ conectada: false, estado: null, propietario: null });
    expect(fila('norte')).toMatchObject({ conectada: false, propietario: c.replicas.id });
    expect(red.totales.conectadas).toBe(1);
    const lista = (await get('/api/estaciones')).json<Record<string, unknown>[]>();
    expect(lista.find((e) => e.id_estacion === 'oeste')).toMatchObject({
      conectada: true,
      al_dia: true,
      propietario: 'otra',
      enlace: { estado: 'sincronizado', conectada: true, reconexiones: 0, anomalia: null },
    });
    expect(lista.find((e) => e.id_estacion === 'este')).toMatchObject({
      conectada: false,
      enlace: null,
      propietario: null,
    });
    expect((await get('/api/estaciones/oeste')).json()).toMatchObject({ conectada: true, propietario: 'otra' });
  });
});
