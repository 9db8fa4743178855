import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDevCa, devCaSummary, parsePumpRange, stationAltNames } from './dev-ca.js';
import { pumpIdOfCertificate } from './identity.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('parsePumpRange', () => {
  it('reads ranges and lists', () => {
    expect(parsePumpRange('1-3')).toEqual([1, 2, 3]);
    expect(parsePumpRange('5,1-2,2')).toEqual([1, 2, 5]);
    expect(() => parsePumpRange('3-1')).toThrow(/inválido/);
    expect(() => parsePumpRange('a')).toThrow(/no es un id/);
  });
  it('adds --host names to the station certificate', () => {
    expect(stationAltNames(['estacion.lan', '10.0.0.5'])).toEqual([
      'DNS:localhost',
      'IP:127.0.0.1',
      'DNS:estacion.lan',
      'IP:10.0.0.5',
    ]);
    expect(() => stationAltNames(['a b'])).toThrow(/no es un nombre/);
  });
});

describe('createDevCa (real openssl)', () => {
  it('writes a CA, a station certificate and one client certificate per pump, keys 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devca-test-'));
    dirs.push(dir);
    const r = await createDevCa({ dir: join(dir, 'certs'), surtidores: [1, 2, 3], hosts: ['estacion.lan'] });
    const ca = new X509Certificate(readFileSync(r.ca.cert));
    expect(ca.ca).toBe(true);
    const station = new X509Certificate(readFileSync(r.estacion.cert));
    expect(station.verify(ca.publicKey)).toBe(true);
    expect(station.checkHost('localhost')).toBe('localhost');
    expect(station.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(station.checkHost('estacion.lan')).toBe('estacion.lan');
    expect(station.ca).toBe(false);
    expect(r.surtidores.map((s) => s.id)).toEqual([1, 2, 3]);
    for (const s of r.surtidores) {
      const cert = new X509Certificate(readFileSync(s.cert));
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.subject).toContain(`CN=surtidor-${s.id}`);
      expect(cert.subjectAltName).toBe(`URI:urn:surtidor:${s.id}`);
      expect(pumpIdOfCertificate({ subject: { CN: `surtidor-${s.id}` }, subjectaltname: cert.subjectAltName })).toBe(
        s.id,
      );
      expect(statSync(s.key).mode & 0o777).toBe(0o600);
    }
    expect(statSync(r.ca.key).mode & 0o777).toBe(0o600);
    expect(statSync(r.estacion.key).mode & 0o777).toBe(0o600);
    expect(devCaSummary(r).join('\n')).toContain('--tls-client-auth');
  }, 30_000);

  it('with keepExisting makes only what is missing or no longer fits, all signed by one CA', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'devca-keep-')), 'certs');
    dirs.push(dirname(dir));
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    const first = await createDevCa({ dir, surtidores: [1, 2], keepExisting: true });
    expect(first.conservados).toEqual([]);
    const before = Object.fromEntries(['ca.crt', 'estacion.crt', 'surtidor-1.crt'].map((f) => [f, read(f)]));

    // Run again (a deployment's next start): nothing is touched.
    const again = await createDevCa({ dir, surtidores: [1, 2], keepExisting: true });
    expect(again.conservados).toEqual(['ca', 'estacion', 'surtidor-1', 'surtidor-2']);
    for (const [f, text] of Object.entries(before)) expect(read(f), f).toBe(text);
    expect(devCaSummary(again).join('\n')).toMatch(/^Certificados de desarrollo listos[\s\S]*conservados: 4 de 4/);

    // One pump more and a new host name: pump 3 is made and the station certificate names the host.
    const grown = await createDevCa({ dir, surtidores: [1, 2, 3], hosts: ['estacion'], keepExisting: true });
    expect(grown.conservados).toEqual(['ca', 'surtidor-1', 'surtidor-2']);
    const ca = new X509Certificate(read('ca.crt'));
    expect(read('ca.crt')).toBe(before['ca.crt']);
    const station = new X509Certificate(read('estacion.crt'));
    expect(station.checkHost('estacion')).toBe('estacion');
    for (const f of ['estacion.crt', 'surtidor-3.crt'])
      expect(new X509Certificate(read(f)).verify(ca.publicKey), f).toBe(true);

    // A key that does not match its certificate: that pair is made again.
    copyFileSync(join(dir, 'surtidor-2.key'), join(dir, 'surtidor-1.key'));
    const mixed = await createDevCa({ dir, surtidores: [1, 2, 3], hosts: ['estacion'], keepExisting: true });
    expect(mixed.conservados).toEqual(['ca', 'estacion', 'surtidor-2', 'surtidor-3']);

    // Without the CA key (say, another CA's certificates put there) what is good is still kept,
    // and something missing is refused rather than signed by a new CA that would replace it.
    rmSync(join(dir, 'ca.key'));
    const keyless = await createDevCa({ dir, surtidores: [1, 2, 3], hosts: ['estacion'], keepExisting: true });
    expect(keyless.conservados).toHaveLength(5);
    await expect(
      createDevCa({ dir, surtidores: [1, 2, 3, 4], hosts: ['estacion'], keepExisting: true }),
    ).rejects.toThrow(/falta surtidor-4: .*ca\.key/);
    expect(read('ca.crt')).toBe(before['ca.crt']);

    // Without the CA certificate: a new CA, and everything again.
    rmSync(join(dir, 'ca.crt'));
    const fresh = await createDevCa({ dir, surtidores: [1], keepExisting: true });
    expect(fresh.conservados).toEqual([]);
    const newCa = read('ca.crt');
    expect(newCa).not.toBe(before['ca.crt']);
    expect(new X509Certificate(read('surtidor-1.crt')).verify(new X509Certificate(newCa).publicKey)).toBe(true);

    // Without keepExisting, every run makes a new CA (the command's default).
    await createDevCa({ dir, surtidores: [1] });
    expect(read('ca.crt')).not.toBe(newCa);
  }, 60_000);
});

describe('pumpIdOfCertificate', () => {
  it('prefers the SAN, falls back to the CN, refuses ambiguity', () => {
    expect(pumpIdOfCertificate({ subject: { CN: 'surtidor-9' } })).toBe(9);
    expect(pumpIdOfCertificate({ subject: { CN: 'x' }, subjectaltname: 'URI:urn:surtidor:4' })).toBe(4);
    expect(
      pumpIdOfCertificate({ subject: { CN: 'x' }, subjectaltname: 'URI:urn:surtidor:4, URI:urn:surtidor:5' }),
    ).toBeNull();
    expect(pumpIdOfCertificate({ subject: { CN: 'localhost' } })).toBeNull();
    expect(pumpIdOfCertificate(null)).toBeNull();
  });
});
