import { FakeClock } from '@combustible/shared';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateAuthSqlite, SqliteAuthStore } from '../auth/sqlite-auth-store.js';
import { unEvento } from '../testing/auth-contract.js';
import { AuditLog } from './audit-log.js';
import { canonicalJson, GENESIS_HASH } from './chain.js';

const dbs: Database.Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function setup(db = new Database(':memory:')) {
  dbs.push(db);
  migrateAuthSqlite(db);
  const store = new SqliteAuthStore(db);
  const clock = new FakeClock();
  return { db, store, clock, log: new AuditLog(store, clock) };
}

describe('AuditLog', () => {
  it('numbers entries from 1 and chains each to the one before', async () => {
    const { log, clock } = setup();
    const a = await log.append(unEvento());
    clock.advance(1000);
    const b = await log.append(unEvento({ accion: 'sesion.iniciar' }));
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(a.hash_anterior).toBe(GENESIS_HASH);
    expect(b.hash_anterior).toBe(a.hash);
    expect(b.fecha).toBe('2026-01-15T14:00:01.000Z');
    expect(await log.verify()).toEqual({ ok: true, registros: 2 });
  });

  it('keeps the order of appends started together', async () => {
    const { log } = setup();
    const entries = await Promise.all(
      Array.from({ length: 20 }, (_, i) => log.append(unEvento({ objetivo: `surtidor:${i}` }))),
    );
    expect(entries.map((e) => e.objetivo)).toEqual(Array.from({ length: 20 }, (_, i) => `surtidor:${i}`));
    expect((await log.verify()).ok).toBe(true);
  });

  it.each([
    ['an edited field', "UPDATE auditoria SET usuario = 'mallory' WHERE seq = 3", 3, /modificado/],
    ['edited detalles', `UPDATE auditoria SET detalles = '{"comando":"reanudar"}' WHERE seq = 4`, 4, /modificado/],
    ['a deleted entry', 'DELETE FROM auditoria WHERE seq = 2', 2, /falta el registro 2/],
    ['a re-hashed entry', "UPDATE auditoria SET hash = '" + 'a'.repeat(64) + "' WHERE seq = 5", 5, /modificado/],
  ])('names the first entry broken by %s', async (_what, sql, seq, motivo) => {
    const { db, log } = setup();
    for (let i = 0; i < 6; i++) await log.append(unEvento({ objetivo: `surtidor:${i}` }));
    db.exec(sql);
    const result = await log.verify();
    expect(result.ok).toBe(false);
    expect(result.primer_error?.seq).toBe(seq);
    expect(result.primer_error?.motivo).toMatch(motivo);
    expect(result.registros).toBe(seq - 1);
  });

  it('detects an entry whose hash was recomputed but whose successor still links to the old one', async () => {
    const { db, log } = setup();
    for (let i = 0; i < 3; i++) await log.append(unEvento());
    // Forge entry 2 completely (new content, correct own hash): entry 3 no longer links to it.
    const { chainEntry } = await import('./chain.js');
    const first = db.prepare('SELECT seq, hash FROM auditoria WHERE seq = 1').get() as { seq: number; hash: string };
    const forged = chainEntry(first, unEvento({ usuario: 'mallory' }), '2026-01-15T14:00:00.000Z');
    db.prepare('UPDATE auditoria SET usuario = ?, hash = ? WHERE seq = 2').run(forged.usuario, forged.hash);
    expect((await log.verify()).primer_error).toEqual({ seq: 3, motivo: expect.stringMatching(/hash_anterior/) });
  });

  it('continues the chain of another writer on the same store (a seq collision retries)', async () => {
    const db = new Database(':memory:');
    const one = setup(db);
    const other = new AuditLog(new SqliteAuthStore(db), one.clock);
    await one.log.append(unEvento());
    await other.append(unEvento({ usuario: 'otro' }));
    const third = await one.log.append(unEvento());
    expect(third.seq).toBe(3);
    expect((await one.log.verify()).ok).toBe(true);
  });

  it('tells listeners about each stored entry, and record() never throws', async () => {
    const { db, log } = setup();
    const seen: number[] = [];
    log.onAppend((r) => seen.push(r.seq));
    await log.append(unEvento());
    db.exec('DROP TABLE auditoria');
    log.record(unEvento());
    await log.flush();
    expect(seen).toEqual([1]);
  });

  it('hashes objects whatever their key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
  });
});
