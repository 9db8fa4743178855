import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

/** An in-memory pino destination. */
function memory() {
  const chunks: string[] = [];
  return {
    chunks,
    destination: { write: (msg: string) => void chunks.push(msg) },
    /** Every line written so far, parsed. */
    records: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes one JSON object per line, with name and msg', () => {
    const out = memory();
    const log = createLogger({ name: 'estacion', destination: out.destination });
    log.info({ id_surtidor: 3 }, 'surtidor registrado');
    log.warn('precio\nraro');
    expect(out.chunks.every((c) => c.endsWith('\n') && c.indexOf('\n') === c.length - 1)).toBe(true);
    const records = out.records();
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      name: 'estacion',
      msg: 'surtidor registrado',
      level: 30,
      id_surtidor: 3,
    });
    expect(typeof records[0]?.time).toBe('number');
    expect(records[1]).toMatchObject({ name: 'estacion', msg: 'precio\nraro', level: 40 });
  });

  it('logs at info and above by default', () => {
    const out = memory();
    const log = createLogger({ name: 'empresa', destination: out.destination });
    expect(log.level).toBe('info');
    log.debug('oculto');
    log.error('visible');
    expect(out.records().map((r) => r.msg)).toEqual(['visible']);
  });

  it('honours the level option, including silent', () => {
    const warn = memory();
    const w = createLogger({ name: 'surtidor', level: 'warn', destination: warn.destination });
    w.info('no');
    w.warn('sí');
    expect(warn.records().map((r) => r.msg)).toEqual(['sí']);

    const silent = memory();
    createLogger({ name: 'surtidor', level: 'silent', destination: silent.destination }).fatal('nada');
    expect(silent.chunks).toEqual([]);
  });

  it('keeps the name in child loggers, with their bindings', () => {
    const out = memory();
    createLogger({ name: 'estacion', destination: out.destination }).child({ conexion: 7 }).info('hola');
    expect(out.records()).toEqual([expect.objectContaining({ name: 'estacion', conexion: 7, msg: 'hola' })]);
  });

  it('writes JSON to a given destination even when pretty is asked for', () => {
    const out = memory();
    createLogger({ name: 'estacion', pretty: true, destination: out.destination }).info('json');
    expect(out.records()).toEqual([expect.objectContaining({ name: 'estacion', msg: 'json' })]);
  });
});

describe('createLogger redaction', () => {
  it('never writes tokens, passwords, authorization or cookies, at any depth it logs', () => {
    const out = memory();
    const log = createLogger({ name: 'estacion', destination: out.destination });
    log.info(
      {
        token: 'T-1',
        config: { pumpToken: 'T-2', companyToken: 'T-3', adminPassword: 'T-4', host: '0.0.0.0' },
        req: { headers: { authorization: 'Bearer T-5', cookie: 'sesion=T-6', 'set-cookie': 'T-7' } },
        usuario: { clave: 'T-8', password: 'T-9' },
        err: { config: { data: { token: 'T-10' } } },
      },
      'evento',
    );
    log.child({ token: 'T-11' }).warn('hijo');
    const text = out.chunks.join('');
    for (let i = 1; i <= 11; i++) expect(text).not.toContain(`T-${i}"`);
    const [first] = out.records();
    expect(first).toMatchObject({
      token: '[REDACTADO]',
      config: { pumpToken: '[REDACTADO]', host: '0.0.0.0' },
      req: { headers: { authorization: '[REDACTADO]', 'set-cookie': '[REDACTADO]' } },
    });
  });
});
