import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHarness, duplexPair, estado, type Harness, registro, TestPump, venta } from './test-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const T0 = '2026-01-15T14:00:00.000Z';

describe('registration', () => {
  it('confirms a registro with the current prices and version', async () => {
    h = await createHarness();
    const pump = h.connect();
    pump.send(registro(9));
    expect(await pump.next('registro_confirmado')).toEqual({
      tipo: 'registro_confirmado',
      id_surtidor: 9,
      mensaje: 'Surtidor registrado exitosamente',
      precios: { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 },
      version_precios: 0,
    });
    expect(h.hub.isConnected(9)).toBe(true);
    expect(h.service.live.get(9)?.estado_conexion).toBe('conectado');
    expect(h.service.pump(9)?.ip).toBe('10.0.0.9');
  });

  it('answers NO_REGISTRADO before registro and keeps the connection', async () => {
    h = await createHarness();
    const pump = h.connect();
    pump.send(estado(9, 'disponible', T0));
    expect(await pump.next('error')).toMatchObject({ codigo: 'NO_REGISTRADO' });
    pump.send(registro(9));
    await pump.next('registro_confirmado');
  });

  it('closes a connection that does not register in time', async () => {
    h = await createHarness({ registrationTimeoutMs: 10_000 });
    const pump = h.connect();
    h.clock.advance(9_999);
    expect(pump.closed).toBe(false);
    h.clock.advance(1);
    expect(await pump.next('error')).toMatchObject({ codigo: 'REGISTRO_TIMEOUT' });
    await pump.whenClosed;
  });

  it('refuses an unknown pump in strict mode and a wrong token', async () => {
    h = await createHarness({ pumpToken: 's3creto' }, { strictRegistration: true });
    const noToken = h.connect();
    noToken.send(registro(1));
    expect(await noToken.next('registro_rechazado')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    await noToken.whenClosed;

    const unknown = h.connect();
    unknown.send(registro(1, { token: 's3creto' }));
    expect(await unknown.next('registro_rechazado')).toMatchObject({ codigo: 'SURTIDOR_NO_CONFIGURADO' });
    await unknown.whenClosed;
    expect(h.hub.isConnected(1)).toBe(false);
  });

  it('refuses a new pump id past --max-pumps with LIMITE_EXCEDIDO, and still takes the known ones', async () => {
    const refused: string[] = [];
    h = await createHarness({}, { maxPumps: 2 }, () => ({
      message() {},
      badLine() {},
      connections() {},
      registrationRefused: (codigo) => void refused.push(codigo),
    }));
    const one = await h.register(1);
    await h.register(2);
    const third = h.connect();
    third.send(registro(3));
    expect(await third.next('registro_rechazado')).toMatchObject({
      codigo: 'LIMITE_EXCEDIDO',
      mensaje: expect.stringContaining('--max-pumps'),
    });
    await third.whenClosed;
    expect(h.service.pump(3)).toBeUndefined();
    expect(h.service.allPumps()).toHaveLength(2);
    expect(refused).toEqual(['LIMITE_EXCEDIDO']);
    // A pump the station knows registers again at the cap (a reconnect is not a new record).
    one.stream.end();
    await one.whenClosed;
    await h.register(1);
  });

  it('counts a refused token as a refused registro', async () => {
    const refused: string[] = [];
    h = await createHarness({ pumpToken: 's3creto' }, {}, () => ({
      message() {},
      badLine() {},
      connections() {},
      registrationRefused: (codigo) => void refused.push(codigo),
    }));
    const wrong = h.connect();
    wrong.send(registro(1, { token: 's3creto-no' }));
    expect(await wrong.next('registro_rechazado')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    const right = h.connect();
    right.send(registro(1, { token: 's3creto' }));
    await right.next('registro_confirmado');
    expect(refused).toEqual(['AUTENTICACION_FALLIDA']);
    expect(JSON.stringify(h.logs)).not.toContain('s3creto');
  });

  it('audits every refused registro as surtidor:N, without waiting on the audit log', async () => {
    h = await createHarness({ pumpToken: 's3creto' }, { strictRegistration: true });
    const wrong = h.connect();
    wrong.send(registro(4, { token: 'malo' }));
    expect(await wrong.next('registro_rechazado')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    const unknown = h.connect();
    unknown.send(registro(5, { token: 's3creto' }));
    expect(await unknown.next('registro_rechazado')).toMatchObject({ codigo: 'SURTIDOR_NO_CONFIGURADO' });
    await h.audit.flush();
    const { items } = await h.audit.list({ accion: 'surtidor.registro', limit: 10, skip: 0 });
    expect(
      items.map(({ usuario, rol, ip, accion, objetivo, resultado, detalles }) => ({
        usuario,
        rol,
        ip,
        accion,
        objetivo,
        resultado,
        detalles,
      })),
    ).toEqual([
      {
        usuario: 'surtidor:5',
        rol: null,
        ip: '10.0.0.9',
        accion: 'surtidor.registro',
        objetivo: 'surtidor:5',
        resultado: 'denegado',
        detalles: { codigo: 'SURTIDOR_NO_CONFIGURADO', motivo: expect.stringContaining('no está configurado') },
      },
      {
        usuario: 'surtidor:4',
        rol: null,
        ip: '10.0.0.9',
        accion: 'surtidor.registro',
        objetivo: 'surtidor:4',
        resultado: 'denegado',
        detalles: { codigo: 'AUTENTICACION_FALLIDA', motivo: 'token ausente o inválido' },
      },
    ]);
    // The token itself never reaches the audit log.
    expect(JSON.stringify(items)).not.toContain('malo');
    expect((await h.audit.verify()).ok).toBe(true);
  });

  it('keeps refusing (and serving) when the audit log cannot be written', async () => {
    h = await createHarness({ pumpToken: 's3creto' });
    vi.spyOn(h.store.auth, 'appendAudit').mockRejectedValue(new Error('disco lleno'));
    const wrong = h.connect();
    wrong.send(registro(4, { token: 'malo' }));
    expect(await wrong.next('registro_rechazado')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    await h.register(4, { token: 's3creto' });
    await h.audit.flush();
    expect(h.logs.some((l) => l.msg === 'no se pudo escribir en la auditoría')).toBe(true);
  });

  it('replaces the older session when the same pump connects again', async () => {
    h = await createHarness();
    const disconnected = vi.fn();
    h.bus.on('surtidor_desconectado', disconnected);
    const first = await h.register(4);
    const second = await h.register(4);
    expect(await first.next('error')).toMatchObject({ codigo: 'SESION_REEMPLAZADA' });
    await first.whenClosed;
    expect(second.closed).toBe(false);
    expect(h.hub.isConnected(4)).toBe(true);
    expect(disconnected).not.toHaveBeenCalled();
    second.send(venta(4, { id_transaccion: 'x1' }));
    expect(await second.next('transaccion_confirmada')).toMatchObject({ id_transaccion: 'x1' });
  });

  it('rejects messages for another pump id with ID_NO_COINCIDE', async () => {
    h = await createHarness();
    const pump = await h.register(2);
    pump.send(estado(3, 'disponible', T0));
    expect(await pump.next('error')).toMatchObject({ codigo: 'ID_NO_COINCIDE' });
    expect(pump.closed).toBe(false);
  });
});

describe('bad input', () => {
  it('answers each bad line with its code and stays usable', async () => {
    h = await createHarness();
    const pump = await h.register(9);
    pump.send('hola');
    pump.send('{"tipo":"desconocido","id_surtidor":9}');
    pump.send(venta(9, { litros: -1 }));
    const errors = [await pump.next('error'), await pump.next('error'), await pump.next('error')];
    expect(errors.map((e) => e.codigo)).toEqual(['JSON_INVALIDO', 'TIPO_DESCONOCIDO', 'MENSAJE_INVALIDO']);
    expect(errors[2]?.detalles).toEqual([expect.objectContaining({ campo: 'litros' })]);
    pump.send(venta(9, { id_transaccion: 'ok-1' }));
    expect(await pump.next('transaccion_confirmada')).toMatchObject({ id_transaccion: 'ok-1' });
  });

  it('closes the connection after too many bad lines', async () => {
    h = await createHarness({ maxBadLines: 3 });
    const pump = await h.register(9);
    for (let i = 0; i < 4; i++) pump.send('no es json');
    await pump.whenClosed;
    expect(pump.all('error').map((e) => e.codigo)).toEqual([
      'JSON_INVALIDO',
      'JSON_INVALIDO',
      'JSON_INVALIDO',
      'JSON_INVALIDO',
      'LIMITE_EXCEDIDO',
    ]);
  });

  it('closes the connection on an over-long line', async () => {
    h = await createHarness({ maxLineBytes: 1024 });
    const pump = await h.register(9);
    pump.send(`{"tipo":"heartbeat","x":"${'a'.repeat(2000)}"}`);
    expect(await pump.next('error')).toMatchObject({ codigo: 'LINEA_DEMASIADO_LARGA' });
    await pump.whenClosed;
  });

  it('rate-limits a flooding connection and drops the excess', async () => {
    h = await createHarness({ ratePerSecond: 5, rateBurst: 5 });
    const pump = await h.register(9); // uses one token
    for (let i = 0; i < 10; i++) pump.send({ tipo: 'heartbeat', id_surtidor: 9, timestamp: T0 });
    expect(await pump.next('error')).toMatchObject({ codigo: 'LIMITE_EXCEDIDO' });
    // One warning per second, not one per dropped line.
    expect(pump.all('error')).toHaveLength(1);
    h.clock.advance(1000);
    pump.send(venta(9, { id_transaccion: 'after-limit' }));
    expect(await pump.next('transaccion_confirmada')).toMatchObject({ id_transaccion: 'after-limit' });
  });
});

describe('liveness', () => {
  it('marks a silent pump as timeout, closes it and raises an alert', async () => {
    h = await createHarness({ heartbeatTimeoutMs: 60_000 });
    const pump = await h.register(5);
    h.clock.advance(59_000);
    pump.send({ tipo: 'heartbeat', id_surtidor: 5, timestamp: new Date(h.clock.now()).toISOString() });
    await vi.waitFor(() => expect(h.service.live.get(5)?.ultima_actividad).toBe(new Date(h.clock.now()).toISOString()));
    h.clock.advance(59_000);
    expect(pump.closed).toBe(false);
    h.clock.advance(20_000);
    await pump.whenClosed;
    expect(h.service.live.get(5)?.estado_conexion).toBe('timeout');
    await h.service.settled();
    const alerts = await h.store.listAlerts({ abiertas: true, limit: 10 });
    expect(alerts.map((a) => a.codigo)).toEqual(['SURTIDOR_SIN_RESPUESTA']);
    // Coming back clears it.
    await h.register(5);
    await h.service.settled();
    expect(await h.store.listAlerts({ abiertas: true, limit: 10 })).toEqual([]);
  });

  it('raises RELOJ_DESFASADO when the pump clock drifts and clears it when it is back', async () => {
    h = await createHarness();
    const pump = await h.register(6);
    pump.send({ tipo: 'heartbeat', id_surtidor: 6, timestamp: new Date(h.clock.now() - 8000).toISOString() });
    await vi.waitFor(() => expect(h.service.live.get(6)?.desfase_reloj_ms).toBe(8000));
    await h.service.settled();
    expect((await h.store.listAlerts({ abiertas: true, limit: 10 })).map((a) => a.codigo)).toEqual(['RELOJ_DESFASADO']);
    pump.send({ tipo: 'heartbeat', id_surtidor: 6, timestamp: new Date(h.clock.now()).toISOString() });
    await vi.waitFor(() => expect(h.service.live.get(6)?.desfase_reloj_ms).toBe(0));
    await h.service.settled();
    expect(await h.store.listAlerts({ abiertas: true, limit: 10 })).toEqual([]);
  });
});

describe('an idle connection', () => {
  it('holds no listener of its own: every connection gets the same ones, none wrapped by once()', async () => {
    h = await createHarness();
    const servers = [];
    for (const id of [1, 2]) {
      const [server, client] = duplexPair();
      h.hub.handle(server, '10.0.0.9');
      const pump = new TestPump(client);
      pump.send(registro(id));
      await pump.next('registro_confirmado');
      servers.push(server);
    }
    const [a, b] = servers as [Duplex, Duplex];
    for (const event of ['data', 'error', 'end', 'close']) {
      const mine = a.rawListeners(event);
      const theirs = b.rawListeners(event);
      expect(mine.length, event).toBeGreaterThan(0);
      expect(mine.length, event).toBe(theirs.length);
      // A closure or a once() wrapper would be a function of this connection only.
      mine.forEach((fn, k) => expect(fn === theirs[k], `${event} ${k}`).toBe(true));
    }
  });
});

describe('live state', () => {
  it('keeps estado in memory and writes it behind, coalesced per pump', async () => {
    h = await createHarness();
    const saveStates = vi.spyOn(h.store, 'saveStates');
    const pump = await h.register(7);
    for (let i = 1; i <= 50; i++)
      pump.send(estado(7, 'despachando', T0, { litros_actuales: i, monto_actual: i * 1350 }));
    await vi.waitFor(() => expect(h.service.live.get(7)?.litros_actuales).toBe(50));
    expect(saveStates).not.toHaveBeenCalled();
    h.clock.advance(1000);
    await vi.waitFor(() => expect(saveStates).toHaveBeenCalledTimes(1));
    expect(saveStates.mock.calls[0]?.[0]).toEqual([
      expect.objectContaining({
        id_surtidor: 7,
        litros_actuales: 50,
        estado_operacion: 'despachando',
        precio_por_litro: 1350,
      }),
    ]);
  });
});

describe('transactions', () => {
  it('confirms after storing and recognises a resend', async () => {
    h = await createHarness();
    const pump = await h.register(9);
    pump.send(venta(9, { id_transaccion: 'v-1' }));
    expect(await pump.next('transaccion_confirmada')).toEqual({
      tipo: 'transaccion_confirmada',
      id_transaccion: 'v-1',
      duplicada: false,
    });
    expect(await h.store.getTransaction(9, 'v-1')).toMatchObject({
      litros: 10,
      monto_total: 13500,
      nombre_surtidor: 'Surtidor 9',
    });
    pump.send(venta(9, { id_transaccion: 'v-1' }));
    expect(await pump.next('transaccion_confirmada')).toMatchObject({
      id_transaccion: 'v-1',
      duplicada: true,
    });
    expect((await h.store.listTransactions({ limit: 10, skip: 0 })).total).toBe(1);
  });

  it('derives a stable id when the pump sends none', async () => {
    h = await createHarness();
    const pump = await h.register(9);
    pump.send(venta(9));
    const first = await pump.next('transaccion_confirmada');
    pump.send(venta(9));
    const second = await pump.next('transaccion_confirmada');
    expect(first.id_transaccion).toMatch(/^h-/);
    expect(second).toEqual({ ...first, duplicada: true });
  });

  it('a reused id with different content is a conflict: both kept, the pump told, an alert raised', async () => {
    h = await createHarness();
    const conflictos: unknown[] = [];
    h.bus.on('conflicto', (c) => conflictos.push(c));
    const pump = await h.register(9);
    pump.send(venta(9, { id_transaccion: 'v-1', secuencia: 1 }));
    expect(await pump.next('transaccion_confirmada')).toEqual({
      tipo: 'transaccion_confirmada',
      id_transaccion: 'v-1',
      duplicada: false,
    });
    // A pump whose storage was wiped starts its ids again: a different sale with the same id.
    pump.send(venta(9, { id_transaccion: 'v-1', secuencia: 1, litros: 20, monto_total: 27_000 }));
    expect(await pump.next('transaccion_confirmada')).toEqual({
      tipo: 'transaccion_confirmada',
      id_transaccion: 'v-1',
      duplicada: false,
      conflicto: true,
    });
    // The original is never replaced; the other version is kept in conflictos.
    expect(await h.store.getTransaction(9, 'v-1')).toMatchObject({ litros: 10, monto_total: 13_500 });
    const { items, total } = await h.store.listConflicts({ limit: 10, skip: 0 });
    expect(total).toBe(1);
    expect(items[0]).toMatchObject({
      id_surtidor: 9,
      id_transaccion: 'v-1',
      campos: ['litros', 'monto_total'],
      original: { litros: 10 },
      nueva: { litros: 20, monto_total: 27_000 },
    });
    expect(conflictos).toHaveLength(1);
    await vi.waitFor(async () => {
      await h.service.settled();
      const [a] = await h.store.listAlerts({ abiertas: true, limit: 10 });
      expect(a).toMatchObject({
        codigo: 'TRANSACCION_EN_CONFLICTO',
        id_surtidor: 9,
        datos: {
          id_transaccion: 'v-1',
          campos: ['litros', 'monto_total'],
          original: { litros: 10 },
          nueva: { litros: 20 },
        },
      });
    });

    // The same conflicting version again (its confirmation was lost): a duplicate of the conflict.
    pump.send(venta(9, { id_transaccion: 'v-1', secuencia: 1, litros: 20, monto_total: 27_000 }));
    expect(await pump.next('transaccion_confirmada')).toEqual({
      tipo: 'transaccion_confirmada',
      id_transaccion: 'v-1',
      duplicada: true,
      conflicto: true,
    });
    expect((await h.store.listConflicts({ limit: 10, skip: 0 })).total).toBe(1);
    expect(conflictos).toHaveLength(1);
    // An identical resend of the original is still a plain duplicate.
    pump.send(venta(9, { id_transaccion: 'v-1', secuencia: 1 }));
    expect(await pump.next('transaccion_confirmada')).toEqual({
      tipo: 'transaccion_confirmada',
      id_transaccion: 'v-1',
      duplicada: true,
    });
    expect((await h.store.listTransactions({ limit: 10, skip: 0 })).total).toBe(1);
  });

  it('stores an inconsistent amount with an observation instead of dropping it', async () => {
    h = await createHarness();
    const pump = await h.register(9);
    pump.send(venta(9, { id_transaccion: 'raro', monto_total: 99 }));
    await pump.next('transaccion_confirmada');
    const stored = await h.store.getTransaction(9, 'raro');
    expect(stored?.observaciones).toEqual([expect.stringMatching(/^MONTO_INCONSISTENTE/)]);
  });

  it('refuses a sale no pump can make (MENSAJE_INVALIDO naming the field), stores nothing and stays open', async () => {
    h = await createHarness();
    const pump = await h.register(9);
    // 1e-300 litres: the wire schema refuses it.
    pump.send(venta(9, { id_transaccion: 'nada', litros: 1e-300 }));
    expect(await pump.next('error')).toMatchObject({
      codigo: 'MENSAJE_INVALIDO',
      detalles: [{ campo: 'litros', problema: expect.any(String) }],
    });
    // Dated two days after the station's clock: the domain refuses it (the pump keeps it and may
    // send it again once its clock is right).
    pump.send(
      venta(9, { id_transaccion: 'futura', fecha_inicio: '2026-01-17T14:00:00Z', fecha_fin: '2026-01-17T14:02:00Z' }),
    );
    expect(await pump.next('error')).toMatchObject({
      codigo: 'MENSAJE_INVALIDO',
      detalles: [
        { campo: 'fecha_inicio', problema: expect.stringMatching(/posterior/) },
        { campo: 'fecha_fin', problema: expect.stringMatching(/posterior/) },
      ],
    });
    expect(pump.all('transaccion_confirmada')).toEqual([]);
    expect((await h.store.listTransactions({ limit: 10, skip: 0 })).total).toBe(0);
    pump.send(venta(9, { id_transaccion: 'buena' }));
    expect(await pump.next('transaccion_confirmada')).toMatchObject({ id_transaccion: 'buena', duplicada: false });
    // Once the station's clock has reached it, the same sale is taken (the silent pump timed out meanwhile).
    h.clock.advance(2 * 24 * 3_600_000);
    const again = await h.register(9);
    again.send(
      venta(9, { id_transaccion: 'futura', fecha_inicio: '2026-01-17T14:00:00Z', fecha_fin: '2026-01-17T14:02:00Z' }),
    );
    expect(await again.next('transaccion_confirmada')).toMatchObject({ id_transaccion: 'futura', duplicada: false });
  });

  it('stores an odd but possible sale with observations from the pump’s configuration and the price book', async () => {
    h = await createHarness();
    const configured = await h.service.createPump({
      nombre: 'Isla chica',
      combustibles_soportados: ['95'],
      configuracion: { capacidad_maxima_litros: 50 },
    });
    const pump = await h.register(configured.id_surtidor, { combustibles_soportados: ['95'] });
    pump.send(
      venta(configured.id_surtidor, {
        id_transaccion: 'rara',
        tipo_combustible: 'diesel',
        litros: 80,
        precio_por_litro: 2000,
        monto_total: 160_000,
        estado: 'cancelada',
      }),
    );
    expect(await pump.next('transaccion_confirmada')).toMatchObject({ duplicada: false });
    const stored = await h.store.getTransaction(configured.id_surtidor, 'rara');
    expect(stored?.observaciones.map((o) => o.split(':')[0])).toEqual([
      'LITROS_SOBRE_CAPACIDAD',
      'COMBUSTIBLE_NO_SOPORTADO',
      'PRECIO_INUSUAL',
    ]);
  });

  it('answers ERROR_INTERNO when the store fails, so the pump keeps the sale', async () => {
    h = await createHarness();
    const pump = await h.register(9);
    vi.spyOn(h.store, 'insertTransactions').mockRejectedValueOnce(new Error('disk full'));
    pump.send(venta(9, { id_transaccion: 'lost-1' }));
    expect(await pump.next('error')).toMatchObject({ codigo: 'ERROR_INTERNO' });
    expect(pump.all('transaccion_confirmada')).toEqual([]);
    pump.send(venta(9, { id_transaccion: 'lost-1' }));
    expect(await pump.next('transaccion_confirmada')).toMatchObject({ duplicada: false });
  });

  it('commits sales that arrive together in one batch', async () => {
    h = await createHarness();
    const insert = vi.spyOn(h.store, 'insertTransactions');
    const pump = await h.register(9);
    for (let i = 0; i < 20; i++) pump.send(venta(9, { id_transaccion: `g-${i}` }));
    for (let i = 0; i < 20; i++) await pump.next('transaccion_confirmada');
    expect(insert.mock.calls.length).toBeLessThan(20);
    expect(insert.mock.calls.flatMap((c) => c[0])).toHaveLength(20);
  });

  it('raises SECUENCIA_FALTANTE on a gap and clears it when the sale arrives', async () => {
    h = await createHarness();
    const pump = await h.register(9);
    for (const s of [1, 2, 4]) {
      pump.send(venta(9, { id_transaccion: `s-${s}`, secuencia: s }));
      await pump.next('transaccion_confirmada');
    }
    await vi.waitFor(async () => {
      await h.service.settled();
      expect((await h.store.listAlerts({ abiertas: true, limit: 10 })).map((a) => a.clave)).toEqual([
        'SECUENCIA_FALTANTE:9:3',
      ]);
    });
    pump.send(venta(9, { id_transaccion: 's-3', secuencia: 3 }));
    await pump.next('transaccion_confirmada');
    await vi.waitFor(async () => {
      await h.service.settled();
      expect(await h.store.listAlerts({ abiertas: true, limit: 10 })).toEqual([]);
    });
  });

  it('stores a pump error as an alert', async () => {
    h = await createHarness();
    const pump = await h.register(9);
    pump.send({
      tipo: 'error',
      id_surtidor: 9,
      codigo: 'ERROR_DESPACHO',
      mensaje: 'Error en el sensor de flujo',
      timestamp: T0,
    });
    await vi.waitFor(async () => {
      await h.service.settled();
      const [a] = await h.store.listAlerts({ abiertas: true, limit: 10 });
      expect(a).toMatchObject({
        codigo: 'ERROR_DESPACHO',
        id_surtidor: 9,
        mensaje: 'Error en el sensor de flujo',
      });
    });
  });
});

describe('prices', () => {
  it('sends a new version to available pumps now and to a dispensing one when it becomes available', async () => {
    h = await createHarness();
    const idle = await h.register(1);
    const busy = await h.register(2);
    busy.send(estado(2, 'despachando', T0, { litros_actuales: 3, monto_actual: 4050 }));
    await vi.waitFor(() => expect(h.service.live.get(2)?.estado_operacion).toBe('despachando'));

    const precios = { precio_93: 1300, precio_95: 1360, precio_97: 1410, precio_diesel: 1130 };
    await h.service.applyPrices(1, precios, 'empresa');
    expect(await idle.next('actualizacion_precios')).toMatchObject({ version: 1, precios });
    expect(busy.all('actualizacion_precios')).toEqual([]);

    busy.send(estado(2, 'disponible', T0));
    expect(await busy.next('actualizacion_precios')).toMatchObject({ version: 1, precios });

    idle.send({ tipo: 'precios_aplicados', id_surtidor: 1, version: 1 });
    await vi.waitFor(() => expect(h.service.live.get(1)?.version_precios).toBe(1));
    // Repeated available reports do not resend.
    busy.send(estado(2, 'disponible', T0));
    busy.send({ tipo: 'heartbeat', id_surtidor: 2, timestamp: T0 });
    await vi.waitFor(() => expect(h.service.live.get(2)?.timestamp).toBe(T0));
    expect(busy.all('actualizacion_precios')).toHaveLength(1);
  });

  it('raises PRECIOS_DESALINEADOS for a disponible pump left on another version, never for one dispensing, and clears it', async () => {
    h = await createHarness();
    const lagging = await h.register(1);
    const busy = await h.register(2);
    for (const [pump, id] of [
      [lagging, 1],
      [busy, 2],
    ] as const) {
      pump.send({ tipo: 'precios_aplicados', id_surtidor: id, version: 0 });
    }
    busy.send(estado(2, 'despachando', T0, { litros_actuales: 3, monto_actual: 4050 }));
    await vi.waitFor(() => expect(h.service.live.get(2)?.estado_operacion).toBe('despachando'));
    const precios = { precio_93: 1300, precio_95: 1360, precio_97: 1410, precio_diesel: 1130 };
    await h.service.applyPrices(1, precios, 'empresa');
    await lagging.next('actualizacion_precios'); // ... and it never confirms
    const abiertas = async () => {
      await h.service.settled();
      return h.store.listAlerts({ abiertas: true, limit: 10 });
    };
    h.clock.advance(20_000);
    expect(await abiertas()).toEqual([]);
    h.clock.advance(20_000);
    expect(await abiertas()).toMatchObject([
      { codigo: 'PRECIOS_DESALINEADOS', id_surtidor: 1, datos: { version_surtidor: 0, vigente: 1 } },
    ]);
    lagging.send({ tipo: 'precios_aplicados', id_surtidor: 1, version: 1 });
    await vi.waitFor(async () => expect(await abiertas()).toEqual([]));
    // A pump that reports a version the station never had is flagged at once.
    busy.send({ tipo: 'precios_aplicados', id_surtidor: 2, version: 7 });
    await vi.waitFor(async () =>
      expect(await abiertas()).toMatchObject([{ codigo: 'PRECIOS_DESALINEADOS', id_surtidor: 2 }]),
    );
  });

  it('ignores stale and repeated versions', async () => {
    h = await createHarness();
    const p = { precio_93: 1301, precio_95: 1302, precio_97: 1303, precio_diesel: 1304 };
    expect((await h.service.applyPrices(3, p, 'empresa')).version).toBe(3);
    expect((await h.service.applyPrices(3, { ...p, precio_93: 1309 }, 'empresa')).precios.precio_93).toBe(1301);
    expect((await h.service.applyPrices(2, p, 'empresa')).version).toBe(3);
  });
});

describe('commands', () => {
  it('sends a command and resolves with the pump answer', async () => {
    h = await createHarness();
    const pump = await h.register(3);
    const answer = h.hub.sendCommand(3, 'pausar', 'mantención');
    const cmd = await pump.next('comando');
    expect(cmd).toMatchObject({ comando: 'pausar', razon: 'mantención', id_comando: expect.any(String) });
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 3, id_comando: cmd.id_comando, resultado: 'ok' });
    await expect(answer).resolves.toMatchObject({ resultado: 'ok', comando: 'pausar' });
  });

  it('fails at once for a pump that is not connected, and on timeout', async () => {
    h = await createHarness({ commandTimeoutMs: 5000 });
    await expect(h.hub.sendCommand(99, 'pausar', 'x')).rejects.toMatchObject({
      code: 'SURTIDOR_DESCONECTADO',
    });
    const pump = await h.register(3);
    const answer = h.hub.sendCommand(3, 'detener_emergencia', 'fuga');
    await pump.next('comando');
    h.clock.advance(5000);
    await expect(answer).rejects.toMatchObject({ code: 'COMANDO_TIMEOUT' });
  });

  it('fails pending commands when the pump disconnects', async () => {
    h = await createHarness();
    const pump = await h.register(3);
    const answer = h.hub.sendCommand(3, 'reanudar', 'x');
    await pump.next('comando');
    pump.stream.destroy();
    await expect(answer).rejects.toMatchObject({ code: 'SURTIDOR_DESCONECTADO' });
  });
});
