import { describe, expect, it } from 'vitest';
import { checkExposure, enforceExposure, ExposureDeniedError, isLoopbackHost } from './exposure.js';

const pump = (present: boolean) => ({
  name: 'el puerto de surtidores',
  flag: '--pump-token',
  env: 'ESTACION_PUMP_TOKEN',
  present,
});
const company = (present: boolean) => ({
  name: 'el puerto de la empresa',
  flag: '--company-token',
  env: 'ESTACION_COMPANY_TOKEN',
  present,
});

describe('isLoopbackHost', () => {
  it('knows 127.0.0.0/8, ::1 and localhost', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(true);
  });

  it('treats every other address or name as reachable from outside', () => {
    for (const h of [
      '0.0.0.0',
      '::',
      '10.0.0.7',
      '192.168.1.2',
      '::ffff:10.0.0.1',
      'estacion',
      'example.com',
      '128.0.0.1',
    ])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe('checkExposure', () => {
  it('lets a loopback listener start with no credentials', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost'])
      expect(
        checkExposure({ service: 'estacion', host, credentials: [pump(false), company(false)], insecure: false }),
      ).toEqual({ verdict: 'ok' });
  });

  it('lets a public listener start when every port has a credential', () => {
    expect(
      checkExposure({
        service: 'estacion',
        host: '0.0.0.0',
        credentials: [pump(true), company(true)],
        insecure: false,
      }),
    ).toEqual({ verdict: 'ok' });
  });

  it('denies a public listener with a port left open, in one line naming the flag and the ways out', () => {
    const d = checkExposure({
      service: 'estacion',
      host: '0.0.0.0',
      credentials: [pump(false), company(true)],
      insecure: false,
    });
    expect(d.verdict).toBe('denied');
    const message = (d as { message: string }).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^DENEGADO/);
    expect(message).toContain('0.0.0.0');
    expect(message).toContain('el puerto de surtidores');
    expect(message).toContain('--pump-token (o ESTACION_PUMP_TOKEN)');
    expect(message).not.toContain('--company-token');
    expect(message).toContain('--host 127.0.0.1');
    expect(message).toContain('--insecure');
  });

  it('names every open port', () => {
    const d = checkExposure({
      service: 'estacion',
      host: '10.0.0.7',
      credentials: [pump(false), company(false)],
      insecure: false,
    });
    expect(d.verdict).toBe('denied');
    expect((d as { message: string }).message).toMatch(/--pump-token.*--company-token/);
  });

  it('treats credentials with the same name as alternatives', () => {
    const perPump = { ...pump(true), flag: '--pump-tokens-file', env: 'ESTACION_PUMP_TOKENS_FILE' };
    expect(
      checkExposure({
        service: 'estacion',
        host: '0.0.0.0',
        credentials: [pump(false), perPump, company(true)],
        insecure: false,
      }),
    ).toEqual({ verdict: 'ok' });
    const none = checkExposure({
      service: 'estacion',
      host: '0.0.0.0',
      credentials: [pump(false), { ...perPump, present: false }, company(true)],
      insecure: false,
    });
    expect((none as { message: string }).message).toContain(
      '--pump-token (o ESTACION_PUMP_TOKEN) o --pump-tokens-file (o ESTACION_PUMP_TOKENS_FILE)',
    );
  });

  it('turns a denial into a warning with --insecure', () => {
    const d = checkExposure({
      service: 'empresa',
      host: '0.0.0.0',
      credentials: [{ name: 'los enlaces con las estaciones', flag: '--token', env: 'EMPRESA_TOKEN', present: false }],
      insecure: true,
    });
    expect(d.verdict).toBe('warn');
    expect((d as { message: string }).message).toMatch(/^INSEGURO: empresa escucha en 0\.0\.0\.0 .*--token/);
  });
});

describe('enforceExposure', () => {
  it('throws on a denial, warns on accepted risk, is silent otherwise', () => {
    const warnings: string[] = [];
    const warn = (m: string) => void warnings.push(m);
    expect(() => enforceExposure({ verdict: 'denied', message: 'no' }, warn)).toThrow(ExposureDeniedError);
    enforceExposure({ verdict: 'warn', message: 'cuidado' }, warn);
    enforceExposure({ verdict: 'ok' }, warn);
    expect(warnings).toEqual(['cuidado']);
  });
});
