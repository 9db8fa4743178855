/**
 * Crash durability of the SQLite adapter: a child process inserts through the BUILT adapter
 * (estacion/dist, made by `npm run build`, which `npm test` runs first) and prints each id once
 * insertTransactions resolved; the parent SIGKILLs it mid-stream and checks that every
 * acknowledged transaction is stored exactly once. (SIGKILL proves "acknowledged only after the
 * commit"; power-loss safety rests on `synchronous = FULL`, checked in sqlite-store.test.ts.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SQLITE_FILE, SqliteStore } from './sqlite-store.js';

const BUILT_ADAPTER = fileURLToPath(new URL('../../dist/store/sqlite-store.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/insert-until-killed.mjs', import.meta.url));
const ACKS_BEFORE_KILL = 300;

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** Collects complete `ack <id>` lines; resolves `enough` once `n` arrived, rejects if the child ends first. */
function watchAcks(child: ChildProcess, n: number) {
  const acked: string[] = [];
  const unexpected: string[] = [];
  let stderr = '';
  let partial = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  const enough = new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const [kind, id] = line.split(' ');
        if (kind === 'ack' && id) acked.push(id);
        else unexpected.push(line);
      }
      if (acked.length >= n) resolve();
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`the child ended before ${n} acks (code ${code}, signal ${signal}): ${stderr}`)),
    );
  });
  return { acked, unexpected, enough, exited };
}

it('every transaction acknowledged before a SIGKILL is stored exactly once', async () => {
  expect(existsSync(BUILT_ADAPTER), `${BUILT_ADAPTER} is missing: run \`npm run build\` first`).toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'estacion-crash-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));

  const child = spawn(process.execPath, [FIXTURE, pathToFileURL(BUILT_ADAPTER).href, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const { acked, unexpected, enough, exited } = watchAcks(child, ACKS_BEFORE_KILL);

  await enough;
  child.kill('SIGKILL');
  const { signal } = await exited;
  expect(signal).toBe('SIGKILL'); // killed mid-stream, not finished
  expect(unexpected).toEqual([]);
  expect(acked.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);

  const store = new SqliteStore({ dataDir: dir });
  cleanup.push(() => store.close());
  await store.setup();
  const { items, total } = await store.listTransactions({ id_surtidor: 1, limit: 1_000_000, skip: 0 });
  expect(items).toHaveLength(total);
  const count = new Map<string, number>();
  for (const t of items) count.set(t.id_transaccion, (count.get(t.id_transaccion) ?? 0) + 1);
  const missing = acked.filter((id) => count.get(id) === undefined);
  const repeated = acked.filter((id) => (count.get(id) ?? 0) > 1);
  expect({ missing, repeated }).toEqual({ missing: [], repeated: [] });
  expect(total).toBeGreaterThanOrEqual(acked.length);
  for (const id of acked.slice(-3)) expect(await store.getTransaction(1, id)).not.toBeNull();
  await store.close();

  const db = new Database(join(dir, SQLITE_FILE), { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }
});
