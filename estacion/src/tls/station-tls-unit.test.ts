/** StationTls alone: expiry alert on start, daily on the injected clock, and reload by file watch. */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, FakeClock } from '@combustible/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevCa, type DevCaResult } from './dev-ca.js';
import { EXPIRY_WARNING_MS, StationTls } from './station-tls.js';

let root: string;
let a: DevCaResult;
let b: DevCaResult;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'station-tls-unit-'));
  a = await createDevCa({ dir: join(root, 'a'), surtidores: [1], days: 40 });
  b = await createDevCa({ dir: join(root, 'b'), surtidores: [1], days: 400 });
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const log = createLogger({ name: 'test', level: 'silent' });

/** Called after every certificate StationTls announces (a test sets it to await one). */
let onSeen = () => {};

function withAlerts(files: { cert: string; key: string }, clock: FakeClock) {
  const raised: string[] = [];
  const resolved: string[] = [];
  const seen: string[] = [];
  const t = new StationTls(files, {
    log,
    clock,
    onCertificate: (info) => {
      seen.push(info.huella);
      onSeen();
    },
    alerts: { raise: (x) => raised.push(x.clave), resolve: (clave) => resolved.push(clave) },
  });
  return { t, raised, resolved, seen };
}

describe('StationTls', () => {
  it('alerts 30 days before expiry: checked daily on the injected clock; a new certificate resolves it', () => {
    const clock = new FakeClock();
    const dir = mkdtempSync(join(root, 'x-'));
    const files = { cert: join(dir, 'c.crt'), key: join(dir, 'c.key') };
    copyFileSync(a.estacion.cert, files.cert);
    copyFileSync(a.estacion.key, files.key);
    const { t, raised, resolved, seen } = withAlerts(files, clock);
    expect(raised).toEqual([]); // 40 days left
    const untilWarning = t.info.expira - EXPIRY_WARNING_MS - clock.now();
    clock.advance(Math.ceil(untilWarning / 86_400_000) * 86_400_000);
    expect(raised).toEqual([`TLS_CERTIFICADO_POR_VENCER:${t.info.huella}`]);
    const old = t.info.huella;
    copyFileSync(b.estacion.cert, files.cert);
    copyFileSync(b.estacion.key, files.key);
    expect(t.reload('prueba')).toBe(true);
    expect(resolved).toEqual([`TLS_CERTIFICADO_POR_VENCER:${old}`]);
    expect(seen).toEqual([old, t.info.huella]);
    t.stop();
  });

  it('reloads when the files change (watched, debounced)', async () => {
    const clock = new FakeClock();
    const dir = mkdtempSync(join(root, 'w-'));
    const files = { cert: join(dir, 'c.crt'), key: join(dir, 'c.key') };
    copyFileSync(a.estacion.cert, files.cert);
    copyFileSync(a.estacion.key, files.key);
    const { t, seen } = withAlerts(files, clock);
    const reloaded = new Promise<void>((resolve) => (onSeen = () => seen.length === 2 && resolve()));
    t.watch(50, 50);
    // fs.watchFile reads the files' first stat in the background and says nothing when it has: a
    // change made before that would become its starting point and never be noticed. Two of its
    // 50 ms polls is the only wait; the reload itself is awaited below.
    await new Promise((r) => setTimeout(r, 100));
    copyFileSync(b.estacion.key, files.key);
    copyFileSync(b.estacion.cert, files.cert);
    await reloaded;
    expect(seen).toHaveLength(2);
    expect(seen[1]).not.toBe(seen[0]);
    t.stop();
  });
});
