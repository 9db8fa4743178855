import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
