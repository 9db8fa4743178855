import { AttemptLimiter, sha256 } from '@combustible/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../store/sqlite-store.js';
import { storePumpAuth } from './pump-auth.js';
import type { HubMetrics } from './pump-hub.js';
import { createHarness, type Harness, registro, venta } from './test-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const TOKEN_3 = 'srt_token-del-surtidor-3';
const TOKEN_4 = 'srt_token-del-surtidor-4';

async function issue(store: SqliteStore, id: number, token: string): Promise<void> {
  await store.setPumpCredential({ id_surtidor: id, hash: sha256(token), emitida: '2026-01-15T14:00:00.000Z' });
}

/** A harness whose hub authenticates against its store's credentials, with the limiter on its clock. */
async function withStoreAuth(
  opts: { shared?: string; require?: boolean; limits?: ConstructorParameters<typeof AttemptLimiter>[1] } = {},
  refused: string[] = [],
): Promise<Harness> {
  const metrics: HubMetrics = {
    message() {},
    badLine() {},
    connections() {},
    registrationRefused: (codigo) => void refused.push(codigo),
  };
  return createHarness(
    {},
    {},
    () => metrics,
    undefined,
    (store, clock) => ({
      authenticatePump: storePumpAuth({
        credentials: store,
        sharedToken: opts.shared,
        requireAuth: opts.require ?? false,
      }),
      registrationLimiter: new AttemptLimiter(clock, opts.limits),
    }),
  );
}

async function refusedWith(id: number, token: string | undefined): Promise<Record<string, unknown>> {
  const pump = h.connect();
  pump.send(registro(id, token === undefined ? {} : { token }));
  const answer = await pump.next('registro_rechazado');
  await pump.whenClosed;
  return answer;
}

describe('per-pump credentials (storePumpAuth)', () => {
  it("registers a pump with its own token, refuses pump 3's token presented by id 4, audited and counted", async () => {
    const refused: string[] = [];
    h = await withStoreAuth({}, refused);
    await issue(h.store, 3, TOKEN_3);
    await issue(h.store, 4, TOKEN_4);
    await h.register(3, { token: TOKEN_3 });
    expect(await refusedWith(4, TOKEN_3)).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    expect(h.hub.isConnected(4)).toBe(false);
    expect(refused).toEqual(['AUTENTICACION_FALLIDA']);
    await h.audit.flush();
    const { items } = await h.audit.list({ accion: 'surtidor.registro', limit: 10, skip: 0 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ usuario: 'surtidor:4', resultado: 'denegado', ip: '10.0.0.9' });
    expect(JSON.stringify(h.logs)).not.toContain(TOKEN_3);
    expect(JSON.stringify(items)).not.toContain(TOKEN_3);
  });

  it('once any pump has a token, a pump without one is refused unless it carries the shared token', async () => {
    h = await withStoreAuth();
    await h.register(7); // nobody has a token yet: open, as before
    await issue(h.store, 3, TOKEN_3);
    expect(await refusedWith(8, undefined)).toMatchObject({
      codigo: 'AUTENTICACION_FALLIDA',
      mensaje: expect.stringContaining('surtidores token 8'),
    });
    await h.close();
    h = await withStoreAuth({ shared: 'compartido' });
    await issue(h.store, 3, TOKEN_3);
    await h.register(8, { token: 'compartido' });
    // A pump with a token of its own may not fall back to the shared one.
    expect(await refusedWith(3, 'compartido')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
  });

  it('--require-pump-auth refuses a pump without a credential even when none has one', async () => {
    h = await withStoreAuth({ require: true });
    expect(await refusedWith(1, 'cualquiera')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
  });

  it('a revoked token no longer registers; a new one replaces the previous', async () => {
    h = await withStoreAuth();
    await issue(h.store, 3, TOKEN_3);
    await issue(h.store, 3, 'srt_nuevo');
    expect(await refusedWith(3, TOKEN_3)).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    await h.register(3, { token: 'srt_nuevo' });
    await h.store.revokePumpCredential(3);
    await issue(h.store, 9, 'srt_otro'); // still "some pump has a token"
    expect(await refusedWith(3, 'srt_nuevo')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
  });

  it('a wrong token never registers and never stores a sale, even one sent right behind the registro', async () => {
    h = await withStoreAuth();
    await issue(h.store, 3, TOKEN_3);
    const pump = h.connect();
    pump.stream.write(`${JSON.stringify(registro(3, { token: 'srt_falso' }))}\n${JSON.stringify(venta(3))}\n`);
    expect(await pump.next('registro_rechazado')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    await pump.whenClosed;
    await h.service.drained();
    expect((await h.store.listTransactions({ limit: 10, skip: 0 })).total).toBe(0);
    expect(h.service.pump(3)).toBeUndefined();
  });

  it('messages sent right behind a good registro wait for it and are handled in order', async () => {
    h = await withStoreAuth();
    await issue(h.store, 3, TOKEN_3);
    const pump = h.connect();
    pump.stream.write(`${JSON.stringify(registro(3, { token: TOKEN_3 }))}\n${JSON.stringify(venta(3))}\n`);
    await pump.next('registro_confirmado');
    await pump.next('transaccion_confirmada');
    expect((await h.store.listTransactions({ limit: 10, skip: 0 })).total).toBe(1);
  });
});

describe('failed registrations from one address are slowed down', () => {
  it('past the free failures, LIMITE_EXCEDIDO with reintentar_ms without checking the token; success clears it', async () => {
    const refused: string[] = [];
    h = await withStoreAuth({ limits: { freeFailures: 2, lockAfter: 10 } }, refused);
    await issue(h.store, 3, TOKEN_3);
    for (let i = 0; i < 2; i++) await refusedWith(3, 'malo');
    // Even the right token is not checked while the address is slowed down.
    const slowed = await refusedWith(3, TOKEN_3);
    expect(slowed).toMatchObject({ codigo: 'LIMITE_EXCEDIDO', reintentar_ms: 1000 });
    h.clock.advance(1000);
    await h.register(3, { token: TOKEN_3 });
    expect(h.hub.registrationLimiter.size).toBe(0);
    expect(refused).toEqual(['AUTENTICACION_FALLIDA', 'AUTENTICACION_FALLIDA', 'LIMITE_EXCEDIDO']);
  });

  it('only authentication failures count, and the table is bounded', async () => {
    h = await withStoreAuth({ limits: { freeFailures: 1, maxKeys: 1 } });
    await issue(h.store, 3, TOKEN_3);
    await refusedWith(3, 'malo');
    expect(h.hub.registrationLimiter.size).toBe(1);
    expect(h.hub.registrationLimiter.limits.maxKeys).toBe(1);
  });
});
