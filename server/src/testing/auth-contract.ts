/**
 * The AuthStore contract: one suite, run against the SQLite adapter always and the MongoDB one
 * when MONGO_URL is set. `makeStore` gives a store on fresh, empty data.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainEntry } from '../audit/chain.js';
import type { AuthStore } from '../auth/store.js';
import type { Credencial, EventoAuditoria, RegistroAuditoria, Usuario } from '../auth/types.js';

export const unUsuario = (over: Partial<Usuario> = {}): Usuario => ({
  nombre: 'ana',
  rol: 'operador',
  clave_hash: 'scrypt$1$1$1$c2Fs$aGFzaA',
  creado: '2026-01-15T14:00:00.000Z',
  actualizado: '2026-01-15T14:00:00.000Z',
  ...over,
});

export const unaCredencial = (over: Partial<Credencial> = {}): Credencial => ({
  id: 'a1b2c3d4e5f6',
  hash: 'f'.repeat(64),
  tipo: 'sesion',
  usuario: 'ana',
  rol: 'operador',
  creada: '2026-01-15T14:00:00.000Z',
  expira: '2026-01-16T02:00:00.000Z',
  creada_por: null,
  ...over,
});

export const unEvento = (over: Partial<EventoAuditoria> = {}): EventoAuditoria => ({
  usuario: 'ana',
  rol: 'operador',
  ip: '127.0.0.1',
  accion: 'surtidor.comando',
  objetivo: 'surtidor:3',
  resultado: 'ok',
  detalles: { comando: 'pausar', razon: 'limpieza' },
  ...over,
});

/** `n` chained entries, one minute apart from 14:00. */
export function unaCadena(n: number, over: (i: number) => Partial<EventoAuditoria> = () => ({})): RegistroAuditoria[] {
  const out: RegistroAuditoria[] = [];
  for (let i = 0; i < n; i++) {
    const fecha = new Date(Date.parse('2026-01-15T14:00:00.000Z') + i * 60_000).toISOString();
    out.push(chainEntry(out[i - 1] ?? null, unEvento(over(i)), fecha));
  }
  return out;
}

export function describeAuthStoreContract(
  name: string,
  makeStore: () => Promise<{ store: AuthStore; close: () => Promise<void> }>,
): void {
  describe(`AuthStore contract: ${name}`, () => {
    let store: AuthStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await makeStore());
    });
    afterEach(async () => {
      await close();
    });

    describe('usuarios', () => {
      it('inserts, reads, counts, lists by name, and refuses a taken name', async () => {
        expect(await store.countUsers()).toBe(0);
        expect(await store.insertUser(unUsuario({ nombre: 'zoe' }))).toBe(true);
        expect(await store.insertUser(unUsuario())).toBe(true);
        expect(await store.insertUser(unUsuario({ rol: 'admin' }))).toBe(false);
        expect(await store.countUsers()).toBe(2);
        expect((await store.listUsers()).map((u) => u.nombre)).toEqual(['ana', 'zoe']);
        expect(await store.getUser('ana')).toStrictEqual(unUsuario());
        expect(await store.getUser('nadie')).toBeNull();
      });

      it('updates and deletes only an existing user', async () => {
        await store.insertUser(unUsuario());
        expect(await store.updateUser(unUsuario({ rol: 'admin', actualizado: 'x' }))).toBe(true);
        expect((await store.getUser('ana'))?.rol).toBe('admin');
        expect(await store.updateUser(unUsuario({ nombre: 'nadie' }))).toBe(false);
        expect(await store.deleteUser('ana')).toBe(true);
        expect(await store.deleteUser('ana')).toBe(false);
        expect(await store.getUser('ana')).toBeNull();
      });
    });

    describe('credenciales', () => {
      it('finds a credential by hash and lists by type and holder, newest first', async () => {
        const a = unaCredencial();
        const b = unaCredencial({ id: 'b'.repeat(12), hash: 'e'.repeat(64), creada: '2026-01-15T15:00:00.000Z' });
        const t = unaCredencial({
          id: 'c'.repeat(12),
          hash: 'd'.repeat(64),
          tipo: 'api',
          usuario: 'token:erp',
          expira: null,
          creada_por: 'admin',
        });
        for (const c of [a, b, t]) await store.insertCredential(c);
        expect(await store.getCredentialByHash('f'.repeat(64))).toStrictEqual(a);
        expect(await store.getCredentialByHash('0'.repeat(64))).toBeNull();
        expect((await store.listCredentials({ tipo: 'sesion' })).map((c) => c.id)).toEqual([b.id, a.id]);
        expect(await store.listCredentials({ tipo: 'api' })).toStrictEqual([t]);
        expect(await store.listCredentials({ usuario: 'token:erp' })).toStrictEqual([t]);
      });

      it('deletes by id, by holder (optionally by type) and the expired ones', async () => {
        await store.insertCredential(unaCredencial());
        await store.insertCredential(
          unaCredencial({ id: 'b'.repeat(12), hash: 'e'.repeat(64), expira: '2026-01-15T14:30:00.000Z' }),
        );
        await store.insertCredential(
          unaCredencial({ id: 'c'.repeat(12), hash: 'd'.repeat(64), tipo: 'api', expira: null }),
        );
        expect(await store.deleteExpired('2026-01-15T15:00:00.000Z')).toBe(1);
        expect(await store.deleteCredentialsOf('ana', 'sesion')).toBe(1);
        expect((await store.listCredentials({})).map((c) => c.id)).toEqual(['c'.repeat(12)]);
        expect(await store.deleteCredential('c'.repeat(12))).toBe(true);
        expect(await store.deleteCredential('c'.repeat(12))).toBe(false);
      });
    });

    describe('auditoria', () => {
      it('appends in seq order, refuses a taken seq, and returns the head', async () => {
        expect(await store.lastAudit()).toBeNull();
        const [a, b] = unaCadena(2) as [RegistroAuditoria, RegistroAuditoria];
        expect(await store.appendAudit(a)).toBe(true);
        expect(await store.appendAudit(b)).toBe(true);
        expect(await store.appendAudit({ ...b, usuario: 'otro' })).toBe(false);
        expect(await store.lastAudit()).toStrictEqual(b);
        expect(await store.scanAudit(0, 10)).toStrictEqual([a, b]);
        expect(await store.scanAudit(1, 10)).toStrictEqual([b]);
        expect(await store.scanAudit(0, 1)).toStrictEqual([a]);
      });

      it('lists newest first with filters, paging and a total', async () => {
        const chain = unaCadena(6, (i) => ({
          usuario: i % 2 ? 'ana' : 'luis',
          accion: i < 3 ? 'surtidor.comando' : 'sesion.iniciar',
          resultado: i === 5 ? 'denegado' : 'ok',
        }));
        for (const r of chain) await store.appendAudit(r);
        const all = await store.listAudit({ limit: 10, skip: 0 });
        expect(all.total).toBe(6);
        expect(all.items.map((r) => r.seq)).toEqual([6, 5, 4, 3, 2, 1]);
        expect((await store.listAudit({ limit: 2, skip: 1 })).items.map((r) => r.seq)).toEqual([5, 4]);
        const ana = await store.listAudit({ usuario: 'ana', limit: 10, skip: 0 });
        expect([ana.total, ana.items.map((r) => r.seq)]).toEqual([3, [6, 4, 2]]);
        expect((await store.listAudit({ accion: 'surtidor.', limit: 10, skip: 0 })).total).toBe(3);
        expect((await store.listAudit({ accion: 'surtidor', limit: 10, skip: 0 })).total).toBe(0);
        expect((await store.listAudit({ accion: 'sesion.iniciar', limit: 10, skip: 0 })).total).toBe(3);
        expect((await store.listAudit({ resultado: 'denegado', limit: 10, skip: 0 })).items.map((r) => r.seq)).toEqual([
          6,
        ]);
        const range = await store.listAudit({
          desde: '2026-01-15T14:01:00.000Z',
          hasta: '2026-01-15T14:03:00.000Z',
          limit: 10,
          skip: 0,
        });
        expect(range.items.map((r) => r.seq)).toEqual([4, 3, 2]);
        const none = await store.listAudit({ limit: 0, skip: 0 });
        expect([none.total, none.items]).toEqual([6, []]);
      });

      it('treats LIKE and regex characters in an action prefix literally', async () => {
        for (const r of unaCadena(2, (i) => ({ accion: i ? 'a_b.x' : 'aXb.x' }))) await store.appendAudit(r);
        expect((await store.listAudit({ accion: 'a_b.', limit: 10, skip: 0 })).total).toBe(1);
      });
    });
  });
}
