/**
 * CSV export of the list routes: the negotiation (?formato, Accept), the format (BOM, `;`, CRLF,
 * RFC 4180 quoting, decimal comma, formula prefix), the same filters as the JSON, the bound on
 * exports at once, and a large export that streams over a real socket with backpressure and
 * bounded memory.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { StationRole } from '@combustible/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Transaccion } from '../domain/types.js';
import { unaAlerta, unaAutorizacion, unaTransaccion, unCierre } from '../store/test-builders.js';
import { parseCsv, registros } from './csv-test-support.js';
import { type ApiHarness, createApiHarness } from './test-harness.js';

let t: ApiHarness | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function harness(apiOptions: { maxExports?: number } = {}): Promise<ApiHarness> {
  t = await createApiHarness({}, undefined, {}, apiOptions);
  return t;
}

/** Bearer headers of that role on the current harness. */
function as(rol: StationRole): { authorization: string } {
  if (!t) throw new Error('sin harness');
  return t.as(rol);
}

describe('CSV negotiation', () => {
  it('answers CSV for ?formato=csv and for Accept: text/csv, JSON otherwise', async () => {
    const { api, h } = await harness();
    await h.store.insertTransactions([unaTransaccion({ id_transaccion: 'A' })]);
    for (const r of [
      await api.inject({ url: '/api/transacciones?formato=csv', headers: as('lectura') }),
      await api.inject({ url: '/api/transacciones', headers: { ...as('lectura'), accept: 'text/csv' } }),
      await api.inject({
        url: '/api/transacciones',
        headers: { ...as('lectura'), accept: 'text/csv, application/json;q=0.5' },
      }),
    ]) {
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(r.headers['content-disposition']).toBe('attachment; filename="est-1-transacciones.csv"');
      expect(r.headers['x-total-count']).toBeUndefined();
      expect(registros(r.body).map((x) => x.id_transaccion)).toEqual(['A']);
    }
    for (const r of [
      await api.inject({ url: '/api/transacciones', headers: as('lectura') }),
      await api.inject({
        url: '/api/transacciones',
        headers: { ...as('lectura'), accept: 'application/json, text/csv' },
      }),
      await api.inject({ url: '/api/transacciones?formato=json', headers: { ...as('lectura'), accept: 'text/csv' } }),
    ]) {
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.json<Transaccion[]>().map((x) => x.id_transaccion)).toEqual(['A']);
    }
  });

  it('refuses an unknown formato and a bad filter with 400 before any CSV is sent', async () => {
    const { api } = await harness();
    const bad = await api.inject({ url: '/api/transacciones?formato=xml', headers: as('lectura') });
    expect(bad.statusCode).toBe(400);
    const fecha = await api.inject({ url: '/api/transacciones?formato=csv&fecha_inicio=ayer', headers: as('lectura') });
    expect(fecha.statusCode).toBe(400);
    expect(fecha.headers['content-type']).toMatch(/^application\/json/);
  });

  it('asks for a session like the JSON list', async () => {
    const { api } = await harness();
    expect((await api.inject({ url: '/api/transacciones?formato=csv' })).statusCode).toBe(401);
  });
});

describe('CSV format', () => {
  it('writes a BOM, a header row, `;` and CRLF, quotes per RFC 4180 and decimal commas', async () => {
    const { api, h } = await harness();
    const rara = unaTransaccion({
      id_transaccion: 'R',
      nombre_surtidor: 'Isla "norte"; lado B\r\nsegunda línea',
      litros: 12.345,
      operador: '=HYPERLINK("http://x","clic")',
      observaciones: ['-uno', 'dos'],
      reembolso: 1500,
    });
    await h.store.insertTransactions([rara]);
    const r = await api.inject({ url: '/api/transacciones?formato=csv', headers: as('lectura') });
    const [header, ...lines] = r.body.slice(1).split('\r\n');
    expect(header?.split(';').slice(0, 3)).toEqual(['id_surtidor', 'id_transaccion', 'nombre_surtidor']);
    // The quoted name holds the separator, doubled quotes and a line break.
    expect(lines.join('\r\n')).toContain('"Isla ""norte""; lado B\r\nsegunda línea"');
    const [x] = registros(r.body);
    expect(x).toMatchObject({
      id_transaccion: 'R',
      nombre_surtidor: 'Isla "norte"; lado B\r\nsegunda línea',
      litros: '12,345',
      precio_por_litro: '1290',
      monto_total: String(rara.monto_total),
      operador: `'=HYPERLINK("http://x","clic")`,
      // The joined cell starts with '-': prefixed too.
      observaciones: "'-uno | dos",
      reembolso: '1500',
      id_derivado: 'no',
      secuencia: '',
    });
    expect(r.body.endsWith('\r\n')).toBe(true);
  });

  it('sends only the header row when nothing matches', async () => {
    const { api } = await harness();
    const r = await api.inject({ url: '/api/transacciones?formato=csv', headers: as('lectura') });
    expect(r.statusCode).toBe(200);
    expect(parseCsv(r.body.slice(1))).toHaveLength(1);
  });
});

describe('CSV filters: the same as the JSON, without paging', () => {
  it('exports exactly the sales the JSON lists, in the same order, for each filter', async () => {
    const { api, h } = await harness();
    const ventas = Array.from({ length: 120 }, (_, i) =>
      unaTransaccion({
        id_surtidor: 1 + (i % 4),
        tipo_combustible: i % 3 === 0 ? 'diesel' : '95',
        metodo_pago: i % 2 === 0 ? 'tarjeta' : 'efectivo',
        fecha_fin: new Date(Date.parse('2024-01-15T00:00:00Z') + i * 600_000).toISOString(),
      }),
    );
    await h.store.insertTransactions(ventas);
    for (const q of [
      '',
      'id_surtidor=2',
      'tipo_combustible=diesel&metodo_pago=tarjeta',
      'fecha_inicio=2024-01-15T05:00:00Z&fecha_fin=2024-01-15T12:00:00-03:00',
    ]) {
      const json = await api.inject({ url: `/api/transacciones?limit=1000&${q}`, headers: as('lectura') });
      // limit and skip do not page the CSV.
      const csv = await api.inject({
        url: `/api/transacciones?formato=csv&limit=1&skip=3&${q}`,
        headers: as('lectura'),
      });
      const ids = json.json<Transaccion[]>().map((x) => x.id_transaccion);
      expect(ids.length).toBeGreaterThan(0);
      expect(registros(csv.body).map((x) => x.id_transaccion)).toEqual(ids);
    }
  });

  it('exports alerts, authorizations, conflicts and closes with their filters', async () => {
    const { api, h } = await harness();
    await h.store.raiseAlert(unaAlerta({ clave: 'a', codigo: 'SURTIDOR_TIMEOUT', id_surtidor: 1 }));
    await h.store.raiseAlert(unaAlerta({ clave: 'b', codigo: 'RELOJ_DESFASADO', id_surtidor: 2 }));
    await h.store.saveAuthorization(unaAutorizacion({ id_autorizacion: 'AU-1', estado: 'completada', reembolso: 250 }));
    await h.store.saveAuthorization(unaAutorizacion({ id_autorizacion: 'AU-2', estado: 'emitida' }));
    const tx = unaTransaccion({ id_surtidor: 3, id_transaccion: 'dup' });
    await h.store.insertTransactions([tx]);
    await h.store.insertTransactions([{ ...tx, litros: tx.litros + 1.5 }]);
    await h.store.insertCierre(unCierre({ id_cierre: 'C-1', turno: 'noche' }));

    const get = async (url: string) => {
      const r = await api.inject({ url, headers: { ...as('lectura'), accept: 'text/csv' } });
      expect(r.statusCode).toBe(200);
      return registros(r.body);
    };
    expect((await get('/api/alertas?id_surtidor=2')).map((a) => a.codigo)).toEqual(['RELOJ_DESFASADO']);
    expect((await get('/api/surtidores/3/transacciones')).map((x) => x.id_transaccion)).toEqual(['dup']);
    expect(await get('/api/autorizaciones?estado=completada')).toEqual([
      expect.objectContaining({ id_autorizacion: 'AU-1', limite: 'monto', limite_valor: '10000', reembolso: '250' }),
    ]);
    expect(await get('/api/conflictos?id_surtidor=3')).toEqual([
      expect.objectContaining({ id_transaccion: 'dup', campos: 'litros', nueva_litros: '21,5' }),
    ]);
    expect(await get('/api/cierres')).toEqual([
      expect.objectContaining({ id_cierre: 'C-1', turno: 'noche', litros: '30,5', monto: '36600', reembolsos: '400' }),
    ]);
  });
});

/** A GET over a real socket that the test reads at its own pace. */
function abrir(port: number, path: string, authorization: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers: { authorization } }, resolve).on('error', reject);
  });
}

describe('CSV over a real socket', () => {
  it('refuses an export past --max-exports with 429 while another one is held open', async () => {
    const { api, h } = await harness({ maxExports: 1 });
    // More than socket buffers hold: the first export cannot end while its client does not read.
    for (let i = 0; i < 4; i++)
      await h.store.insertTransactions(Array.from({ length: 10_000 }, () => unaTransaccion()));
    await api.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.server.address() as AddressInfo;
    const first = await abrir(port, '/api/transacciones?formato=csv', as('lectura').authorization);
    first.pause();
    const second = await api.inject({ url: '/api/alertas?formato=csv', headers: as('lectura') });
    expect(second.statusCode).toBe(429);
    expect(second.json()).toMatchObject({ error: { codigo: 'EXPORTACIONES_EXCEDIDAS' } });
    // When the first one ends (here: the client hangs up), its slot is free again.
    const closed = new Promise((r) => first.socket.once('close', r));
    first.destroy();
    await closed;
    await expect
      .poll(async () => (await api.inject({ url: '/api/alertas?formato=csv', headers: as('lectura') })).statusCode)
      .toBe(200);
    const metrics = (await api.inject({ url: '/metrics', headers: as('lectura') })).body;
    // Refused at least once (again while the hang-up had not reached the station).
    expect(metrics).toMatch(/estacion_exportaciones_total\{lista="alertas",resultado="rechazada"\} [1-9]/);
    expect(metrics).toMatch(/estacion_exportaciones_total\{lista="transacciones",resultado="interrumpida"\} 1/);
  });

  it('streams a large export: the store is read as the client reads, in bounded memory', async () => {
    const { api, h } = await harness();
    const N = 150_000;
    for (let i = 0; i < N; i += 10_000)
      await h.store.insertTransactions(
        Array.from({ length: 10_000 }, (_, j) =>
          unaTransaccion({ id_transaccion: `G-${i + j}`, nombre_surtidor: `Surtidor con nombre largo ${j % 50}` }),
        ),
      );
    // Count the sales the export pulls from the store.
    let leidas = 0;
    const iterate = h.store.iterateTransactions.bind(h.store);
    h.store.iterateTransactions = async function* (f) {
      for await (const x of iterate(f)) {
        leidas++;
        yield x;
      }
    };
    await api.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.server.address() as AddressInfo;
    const res = await abrir(port, '/api/transacciones?formato=csv', as('lectura').authorization);
    expect(res.statusCode).toBe(200);

    // A client that stops reading: the station stops reading the store (socket buffers fill up).
    res.pause();
    let antes = -1;
    await expect
      .poll(
        () => {
          const quieto = leidas === antes;
          antes = leidas;
          return quieto;
        },
        { interval: 100, timeout: 10_000 },
      )
      .toBe(true);
    expect(leidas).toBeLessThan(N / 3);

    // Then it reads on to the end: every row arrives, and the heap never holds the export. What
    // the heap retains is measured after a full collection every ~2 MB received (garbage not yet
    // collected says nothing about what an export holds).
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const base = process.memoryUsage().heapUsed;
    let pico = base;
    let medido = 0;
    let bytes = 0;
    let filas = 0;
    let resto = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      bytes += chunk.length;
      const partes = (resto + chunk).split('\r\n');
      resto = partes.pop() ?? '';
      filas += partes.length;
      if (bytes - medido > 2_000_000) {
        medido = bytes;
        gc();
        pico = Math.max(pico, process.memoryUsage().heapUsed);
      }
    });
    res.resume();
    await new Promise((r) => res.once('end', r));
    expect(filas).toBe(N + 1);
    expect(leidas).toBe(N);
    // The CSV is over 20 MB (the sales as objects several times that); the heap retains a chunk
    // of sales and the streams' buffers.
    expect(bytes).toBeGreaterThan(20_000_000);
    expect(pico - base).toBeLessThan(bytes / 4);
    // Seeding and reading 150,000 sales takes seconds, more on a loaded machine.
  }, 120_000);
});
