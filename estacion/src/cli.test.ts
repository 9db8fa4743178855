import { checkExposure } from '@combustible/server';
import { describe, expect, it } from 'vitest';
import { parseArgs } from './cli.js';
import { stationExposure } from './config.js';

describe('estacion options', () => {
  it('listens on loopback with bounded connections, pumps and dashboards by default', () => {
    expect(parseArgs([], {})).toMatchObject({
      host: '127.0.0.1',
      insecure: false,
      maxConnections: 20_000,
      maxCompanyConnections: 16,
      maxPumps: 1000,
      maxWsClients: 200,
      allowedOrigin: [],
    });
  });

  it('takes the limits from flags or ESTACION_* variables', () => {
    expect(parseArgs(['--max-connections', '5', '--max-pumps', '3'], {})).toMatchObject({
      maxConnections: 5,
      maxPumps: 3,
    });
    expect(
      parseArgs([], { ESTACION_MAX_WS_CLIENTS: '7', ESTACION_MAX_COMPANY_CONNECTIONS: '2', ESTACION_INSECURE: 'true' }),
    ).toMatchObject({ maxWsClients: 7, maxCompanyConnections: 2, insecure: true });
    expect(() => parseArgs(['--max-pumps', '0'], {})).toThrow(/--maxPumps/);
  });

  it('reads --allowed-origin repeated or as a list, normalised, and refuses what is not an origin', () => {
    expect(
      parseArgs(['--allowed-origin', 'https://Panel.example.com/', '--allowed-origin', 'http://a:3000,http://b'], {})
        .allowedOrigin,
    ).toEqual(['https://panel.example.com', 'http://a:3000', 'http://b']);
    expect(parseArgs([], { ESTACION_ALLOWED_ORIGIN: 'https://x.example' }).allowedOrigin).toEqual([
      'https://x.example',
    ]);
    expect(() => parseArgs(['--allowed-origin', 'panel'], {})).toThrow(/no es un origen/);
  });

  it('describes its exposure: the pump and company ports with their token flags', () => {
    const open = stationExposure(parseArgs(['--host', '0.0.0.0', '--company-token', 'x'], {}));
    expect(open.credentials.map((c) => [c.flag, c.env, c.present])).toEqual([
      ['--pump-token', 'ESTACION_PUMP_TOKEN', false],
      ['--company-token', 'ESTACION_COMPANY_TOKEN', true],
    ]);
    expect(checkExposure(open).verdict).toBe('denied');
    const closed = stationExposure(parseArgs(['--host', '0.0.0.0'], { ESTACION_PUMP_TOKEN: 'a', ESTACION_COMPANY_TOKEN: 'b' }));
    expect(checkExposure(closed).verdict).toBe('ok');
    expect(checkExposure(stationExposure(parseArgs([], {}))).verdict).toBe('ok');
  });
});
