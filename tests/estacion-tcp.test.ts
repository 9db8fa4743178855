/** The station as a real process: the netcat session of docs/protocol.md, restarts and SIGKILL. */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LineClient } from './helpers/line-client.js';
import { removeTempDirs, runCli, type StationProcess, startStationProcess, tempDir } from './helpers/processes.js';

const running: StationProcess[] = [];
const clients: LineClient[] = [];

async function station(opts: Parameters<typeof startStationProcess>[0] = {}): Promise<StationProcess> {
  const s = await startStationProcess(opts);
  running.push(s);
  return s;
}

async function pump(port: number): Promise<LineClient> {
  const c = await LineClient.connect(port);
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
});
afterAll(removeTempDirs);

const REGISTRO =
  '{"tipo":"registro","id_surtidor":9,"nombre":"Prueba nc","combustibles_soportados":["95"],"version":"1.0"}';
const VENTA =
  '{"tipo":"transaccion_completada","id_surtidor":9,"tipo_combustible":"95","litros":10,"precio_por_litro":1350,"monto_total":13500,"metodo_pago":"efectivo","fecha_inicio":"2026-01-15T14:25:00Z","fecha_fin":"2026-01-15T14:27:00Z"}';

/** Sale number i of the crash test's pump: the same content every time it is (re)sent. */
const crashSale = (i: number) => ({
  tipo: 'transaccion_completada',
  id_surtidor: 1,
  id_transaccion: `crash-${i}`,
  secuencia: i + 1,
  tipo_combustible: '93',
  litros: 5 + (i % 7),
  precio_por_litro: 1290,
  monto_total: Math.round((5 + (i % 7)) * 1290),
  metodo_pago: 'tarjeta',
  fecha_inicio: '2026-01-15T14:25:00Z',
  fecha_fin: '2026-01-15T14:27:00Z',
});

describe('estacion over TCP', () => {
  it('plays the netcat session of the protocol document', async () => {
    const s = await station();
    const nc = await pump(s.pumpPort);
    nc.send(REGISTRO);
    expect(await nc.next()).toMatchObject({
      tipo: 'registro_confirmado',
      id_surtidor: 9,
      precios: { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 },
      version_precios: 0,
    });
    nc.send(VENTA);
    const confirmada = await nc.next();
    expect(confirmada).toMatchObject({ tipo: 'transaccion_confirmada', duplicada: false });
    nc.send('hola');
    expect(await nc.next()).toMatchObject({ tipo: 'error', codigo: 'JSON_INVALIDO' });
    nc.send(VENTA);
    expect(await nc.next()).toEqual({ ...confirmada, duplicada: true });
  });

  it('keeps a reused id with other content as a conflict, durably, and shows it in the API', async () => {
    const dataDir = tempDir('estacion-conflicto-');
    const first = await station({ dataDir });
    const sale = (extra: Record<string, unknown> = {}) => ({
      ...(JSON.parse(VENTA) as Record<string, unknown>),
      id_transaccion: 'w-1',
      ...extra,
    });
    const a = await pump(first.pumpPort);
    a.send(REGISTRO);
    await a.next('registro_confirmado');
    a.send(sale());
    expect(await a.next('transaccion_confirmada')).toEqual({
      tipo: 'transaccion_confirmada',
      id_transaccion: 'w-1',
      duplicada: false,
    });
    // The pump's storage is wiped: it starts its ids again and sells something else as w-1.
    const other = sale({ litros: 30, monto_total: 40_500, metodo_pago: 'tarjeta' });
    a.send(other);
    expect(await a.next('transaccion_confirmada')).toEqual({
      tipo: 'transaccion_confirmada',
      id_transaccion: 'w-1',
      duplicada: false,
      conflicto: true,
    });
    // Acknowledged means durable: after a SIGKILL the same version is a repeat of the stored conflict.
    first.proc.kill('SIGKILL');
    await first.exited;
    const second = await station({ dataDir });
    const b = await pump(second.pumpPort);
    b.send(REGISTRO);
    await b.next('registro_confirmado');
    b.send(other);
    expect(await b.next('transaccion_confirmada')).toMatchObject({ duplicada: true, conflicto: true });

    const res = await second.fetch('/api/conflictos');
    expect(res.headers.get('x-total-count')).toBe('1');
    const [c] = (await res.json()) as Record<string, Record<string, unknown>>[];
    expect(c).toMatchObject({
      id_surtidor: 9,
      id_transaccion: 'w-1',
      campos: ['litros', 'monto_total', 'metodo_pago'],
      original: { litros: 10, metodo_pago: 'efectivo' },
      nueva: { litros: 30, metodo_pago: 'tarjeta' },
    });
    expect(await second.request('/api/transacciones/9/w-1')).toMatchObject({
      litros: 10,
      en_conflicto: true,
      total_conflictos: 1,
    });
    const alertas = await second.request<{ codigo: string }[]>('/api/alertas?abiertas=true');
    expect(alertas.map((x) => x.codigo)).toContain('TRANSACCION_EN_CONFLICTO');
    const listed = await second.fetch('/api/transacciones');
    expect(listed.headers.get('x-total-count')).toBe('1');
  });

  it('refuses a sale no pump can make, naming the field, and stores an odd one with observations', async () => {
    const s = await station();
    const nc = await pump(s.pumpPort);
    nc.send(REGISTRO); // declares only 95
    await nc.next('registro_confirmado');
    const now = Date.now();
    const at = (ms: number) => new Date(ms).toISOString();
    for (const [extra, campo] of [
      [{ litros: 1e-300 }, 'litros'],
      [{ monto_total: 2 ** 53 - 1 }, 'monto_total'],
      [{ fecha_inicio: '0001-01-01T00:00:00Z' }, 'fecha_inicio'],
      [{ fecha_inicio: at(now + 3 * 86_400_000), fecha_fin: '9999-12-31T23:59:59Z' }, 'fecha_fin'],
    ] as const) {
      nc.send({ ...(JSON.parse(VENTA) as Record<string, unknown>), id_transaccion: `absurda-${campo}`, ...extra });
      const error = await nc.next('error');
      expect(error).toMatchObject({ codigo: 'MENSAJE_INVALIDO' });
      expect((error.detalles as { campo: string }[]).map((d) => d.campo)).toContain(campo);
    }
    // A cancelled sale of 99,999,999 pesos, of a fuel the pump did not declare: odd, kept, flagged.
    nc.send({
      ...(JSON.parse(VENTA) as Record<string, unknown>),
      id_transaccion: 'rara',
      tipo_combustible: 'diesel',
      estado: 'cancelada',
      monto_total: 99_999_999,
      fecha_inicio: at(now - 60_000),
      fecha_fin: at(now),
    });
    expect(await nc.next('transaccion_confirmada')).toMatchObject({ id_transaccion: 'rara', duplicada: false });
    const res = await s.fetch('/api/transacciones');
    expect(res.headers.get('x-total-count')).toBe('1');
    const [stored] = (await res.json()) as { id_transaccion: string; observaciones: string[] }[];
    expect(stored?.id_transaccion).toBe('rara');
    expect(stored?.observaciones.map((o) => o.split(':')[0])).toEqual([
      'MONTO_INCONSISTENTE',
      'COMBUSTIBLE_NO_SOPORTADO',
      'PRECIO_INUSUAL',
      'MONTO_ELEVADO',
    ]);
  });

  it('answers the company port with estacion_info, pong and versioned price updates', async () => {
    const s = await station({ args: ['--id', 'est-nc', '--nombre', 'Prueba'] });
    const company = await pump(s.companyPort);
    expect(await company.next()).toEqual({
      tipo: 'estacion_info',
      id_estacion: 'est-nc',
      nombre: 'Prueba',
      version_precios: 0,
      ultimo_seq: 0,
    });
    company.send('{"tipo":"ping"}');
    expect(await company.next()).toMatchObject({ tipo: 'pong' });
    const nc = await pump(s.pumpPort);
    nc.send(REGISTRO);
    await nc.next('registro_confirmado');
    const precios = { precio_93: 1300, precio_95: 1360, precio_97: 1410, precio_diesel: 1130 };
    company.send({ tipo: 'actualizacion_precios', version: 4, precios, timestamp: '2026-01-15T14:00:00Z' });
    expect(await company.next()).toEqual({ tipo: 'precios_recibidos', version: 4 });
    expect(await nc.next('actualizacion_precios')).toMatchObject({ version: 4, precios });
  });

  it('accepts CRLF line endings and several lines in one packet', async () => {
    const s = await station();
    const nc = await pump(s.pumpPort);
    nc.socket.write(`${REGISTRO}\r\n\r\n${VENTA}\r\n`);
    expect(await nc.next('registro_confirmado')).toBeTruthy();
    expect(await nc.next('transaccion_confirmada')).toMatchObject({ duplicada: false });
  });

  it('stops cleanly on SIGTERM', async () => {
    const s = await station();
    const nc = await pump(s.pumpPort);
    nc.send(REGISTRO);
    await nc.next('registro_confirmado');
    const exit = await s.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    await nc.closed;
    expect(s.logs.some((e) => e.msg === 'estación detenida')).toBe(true);
  });

  it('keeps every acknowledged sale exactly once across SIGKILL, and pumps, prices and states', async () => {
    const dataDir = tempDir('estacion-crash-');
    const first = await station({ dataDir });
    const a = await pump(first.pumpPort);
    a.send({
      tipo: 'registro',
      id_surtidor: 1,
      nombre: 'Isla 1',
      combustibles_soportados: ['93', '95'],
      version: '2.1',
    });
    await a.next('registro_confirmado');
    a.send({
      tipo: 'estado',
      id_surtidor: 1,
      estado_operacion: 'disponible',
      litros_actuales: 0,
      monto_actual: 0,
      tipo_combustible: '93',
      timestamp: new Date().toISOString(),
    });
    const acked: string[] = [];
    const total = 300;
    for (let i = 0; i < total; i++) {
      a.send(crashSale(i));
    }
    // Kill the station the moment half of the sales are acknowledged.
    while (acked.length < total / 2) {
      const m = await a.next('transaccion_confirmada');
      acked.push(String(m.id_transaccion));
    }
    first.proc.kill('SIGKILL');
    await first.exited;
    await a.closed;

    const second = await station({ dataDir });
    const b = await pump(second.pumpPort);
    b.send({
      tipo: 'registro',
      id_surtidor: 1,
      nombre: 'Isla 1',
      combustibles_soportados: ['93', '95'],
      version: '2.1',
    });
    await b.next('registro_confirmado');
    // The pump resends everything; what was acknowledged must come back as a duplicate.
    const outcomes = new Map<string, boolean>();
    for (let i = 0; i < total; i++) {
      b.send(crashSale(i));
    }
    while (outcomes.size < total) {
      const m = await b.next('transaccion_confirmada');
      outcomes.set(String(m.id_transaccion), Boolean(m.duplicada));
    }
    for (const id of acked) expect(outcomes.get(id), id).toBe(true);
    await b.close();
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // Read the store directly: every sale exactly once, the pump and its last state are back.
    const { SqliteStore } = await import('../estacion/src/store/sqlite-store.js');
    const store = new SqliteStore({ dataDir });
    await store.setup();
    try {
      const page = await store.listTransactions({ limit: 1000, skip: 0 });
      expect(page.total).toBe(total);
      expect(new Set(page.items.map((t) => t.id_transaccion)).size).toBe(total);
      expect(await store.getPump(1)).toMatchObject({ nombre: 'Isla 1', version: '2.1' });
      const [state] = await store.listStates();
      expect(state).toMatchObject({ id_surtidor: 1, tipo_combustible: '93' });
      const [prices] = await store.latestPriceVersions(1);
      expect(prices?.version).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('estacion: the first admin and its users from the command line', () => {
  it('prints a generated admin password once, on stderr and never in the log', async () => {
    const dataDir = tempDir('estacion-admin-');
    // `admin-password: ''` leaves the flag out: the station generates one.
    const first = await station({ dataDir, flags: { 'admin-password': '' } });
    await expect.poll(() => first.stderr.join('\n')).toMatch(/clave:\s+\S+/);
    const banner = first.stderr.join('\n');
    expect(banner).toContain('usuario: admin');
    expect(banner).toContain('Guárdela: no se volverá a mostrar.');
    const clave = /clave:\s+(\S+)/.exec(banner)?.[1] ?? '';
    expect(JSON.stringify(first.logs)).not.toContain(clave);
    expect(first.logs.some((e) => e.msg === 'primer arranque: usuario admin creado')).toBe(true);
    await first.login('admin', clave);
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const second = await station({ dataDir, flags: { 'admin-password': '' } });
    expect(second.stderr.join('\n')).not.toMatch(/clave:/);
    await second.login('admin', clave);
  });

  it('adds, lists and removes users on the store of a running station', async () => {
    const s = await station();
    const cli = (args: string[], input?: string) => runCli('estacion', [...args, '--data-dir', s.dataDir], input);
    const add = await cli(['usuarios', 'add', 'ana', '--rol', 'operador']);
    expect(add.code).toBe(0);
    const clave = /^Clave: (\S+)$/m.exec(add.stdout)?.[1] ?? '';
    // The running station takes the new user at once.
    await s.login('ana', clave);
    expect((await cli(['usuarios', 'add', 'beto', '--rol', 'lectura', '--clave-stdin'], 'clave-de-beto\n')).code).toBe(
      0,
    );
    await s.login('beto', 'clave-de-beto');
    const list = await cli(['usuarios', 'list']);
    expect(
      list.stdout
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/).slice(0, 2)),
    ).toEqual([
      ['admin', 'admin'],
      ['ana', 'operador'],
      ['beto', 'lectura'],
    ]);
    expect((await cli(['usuarios', 'remove', 'ana'])).code).toBe(0);
    await expect(s.login('ana', clave)).rejects.toThrow(/401/);
    const again = await cli(['usuarios', 'add', 'beto', '--rol', 'lectura']);
    expect(again).toMatchObject({ code: 1, stderr: 'estacion: ya existe el usuario beto' });
    // The station's audit log has the CLI's changes, and the chain still holds with two writers.
    const audit =
      await s.request<{ accion: string; objetivo: string; resultado: string }[]>('/api/auditoria?usuario=cli');
    expect(audit.map((a) => [a.accion, a.objetivo, a.resultado])).toEqual([
      ['usuario.crear', 'usuario:beto', 'error'],
      ['usuario.eliminar', 'usuario:ana', 'ok'],
      ['usuario.crear', 'usuario:beto', 'ok'],
      ['usuario.crear', 'usuario:ana', 'ok'],
    ]);
    expect(await s.request('/api/auditoria/verificacion')).toMatchObject({ ok: true });
    // Five CLI processes, each starting Node and hashing with the real scrypt cost: slow on a busy machine.
  }, 60_000);
});
