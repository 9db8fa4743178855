import { describe, expect, it } from 'vitest';
import { checkOrigin, normalizeOrigin } from './origin.js';

describe('checkOrigin', () => {
  it('lets clients without Origin through (not a browser)', () => {
    expect(checkOrigin({ origin: undefined, host: '127.0.0.1:4001', allowed: [] })).toEqual({ ok: true });
  });

  it('accepts a page from the same hostname on any port', () => {
    expect(checkOrigin({ origin: 'http://127.0.0.1:8001', host: '127.0.0.1:4001', allowed: [] }).ok).toBe(true);
    expect(checkOrigin({ origin: 'https://Estacion.local', host: 'estacion.local:4001', allowed: [] }).ok).toBe(true);
    expect(checkOrigin({ origin: 'http://[::1]:8001', host: '[::1]:4001', allowed: [] }).ok).toBe(true);
  });

  it('refuses another site, a look-alike, and garbage', () => {
    for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example:8001', 'null', 'file://x']) {
      const d = checkOrigin({ origin, host: '127.0.0.1:4001', allowed: [] });
      expect(d.ok, origin).toBe(false);
    }
    expect(checkOrigin({ origin: 'https://evil.example', host: undefined, allowed: [] }).ok).toBe(false);
  });

  it('accepts the origins listed with --allowed-origin, exactly (scheme, host and port)', () => {
    const allowed = ['https://panel.example.com', 'http://10.0.0.9:3000/'];
    expect(checkOrigin({ origin: 'https://panel.example.com', host: '10.0.0.7:4001', allowed }).ok).toBe(true);
    expect(checkOrigin({ origin: 'http://10.0.0.9:3000', host: '10.0.0.7:4001', allowed }).ok).toBe(true);
    expect(checkOrigin({ origin: 'http://panel.example.com', host: '10.0.0.7:4001', allowed }).ok).toBe(false);
    expect(checkOrigin({ origin: 'http://10.0.0.9:3001', host: '10.0.0.7:4001', allowed }).ok).toBe(false);
  });

  it('explains a refusal', () => {
    const d = checkOrigin({ origin: 'https://evil.example', host: '127.0.0.1:4001', allowed: [] });
    expect(d).toEqual({ ok: false, motivo: expect.stringContaining('--allowed-origin') });
  });
});

describe('normalizeOrigin', () => {
  it('keeps scheme, host and port only', () => {
    expect(normalizeOrigin('HTTPS://Panel.Example.com:443/x')).toBe('https://panel.example.com');
    expect(normalizeOrigin('ws://x')).toBeNull();
    expect(normalizeOrigin('no')).toBeNull();
  });
});
