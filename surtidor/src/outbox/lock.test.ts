/**
 * The outbox lock: one process per directory, and an atomic takeover of a stale lock. The race
 * runs in two real child processes through the BUILT lock module (surtidor/dist, made by
 * `npm run build`, which `npm test` runs first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, LOCK_FILE } from './lock.js';

const BUILT_LOCK = fileURLToPath(new URL('../../dist/outbox/lock.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/race-for-lock.mjs', import.meta.url));
/** Far above any pid_max: no such process. */
const DEAD_PID = 2_147_483_646;

const dirs: string[] = [];
const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-lock-'));
  dirs.push(dir);
  return dir;
}

const lockOf = (dir: string) => readFileSync(path.join(dir, LOCK_FILE), 'utf8');
const ownerOf = (dir: string) => Number(lockOf(dir).trim().split(/\s+/)[0]);
/** The claim a process makes on a lock with this content (as lock.ts names it). */
async function claimName(content: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return `${LOCK_FILE}.takeover-${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
}

describe('acquireLock', () => {
  it('creates the lock with this pid and a nonce; release removes only its own lock', () => {
    const dir = tempDir();
    const release = acquireLock(dir);
    expect(lockOf(dir)).toMatch(new RegExp(`^${process.pid} [0-9a-f]{16}\\n$`));
    expect(readdirSync(dir)).toEqual([LOCK_FILE]); // no temp file left
    release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    // A lock that is no longer ours is left alone.
    const again = acquireLock(dir);
    writeFileSync(path.join(dir, LOCK_FILE), `${DEAD_PID} someone-else\n`);
    again();
    expect(lockOf(dir)).toBe(`${DEAD_PID} someone-else\n`);
  });

  it('refuses a lock held by a running process, naming it', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid} abc\n`);
    expect(() => acquireLock(dir)).toThrow(expect.objectContaining({ code: 'OUTBOX_EN_USO' }));
    expect(() => acquireLock(dir)).toThrow(String(process.ppid));
    expect(lockOf(dir)).toBe(`${process.ppid} abc\n`);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]); // and leaves nothing behind
  });

  it('takes over a dead owner’s lock, also in the old format (a bare pid) and an unreadable one', () => {
    for (const stale of [`${DEAD_PID} 0123456789abcdef\n`, String(DEAD_PID), '', 'basura']) {
      const dir = tempDir();
      writeFileSync(path.join(dir, LOCK_FILE), stale);
      const release = acquireLock(dir);
      expect(ownerOf(dir)).toBe(process.pid);
      expect(readdirSync(dir)).toEqual([LOCK_FILE]); // the claim is dropped once the lock is ours
      release();
    }
  });

  it('this process re-opening its own directory takes its lock back', () => {
    const dir = tempDir();
    const first = acquireLock(dir);
    const before = lockOf(dir);
    const second = acquireLock(dir);
    expect(lockOf(dir)).not.toBe(before); // a new nonce: the first release no longer removes it
    first();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(true);
    second();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('a takeover claimed by a running process is left to it (OUTBOX_EN_USO)', async () => {
    const dir = tempDir();
    const stale = `${DEAD_PID} aaaa\n`;
    writeFileSync(path.join(dir, LOCK_FILE), stale);
    writeFileSync(path.join(dir, await claimName(stale)), `${process.ppid} bbbb\n`);
    expect(() => acquireLock(dir)).toThrow(expect.objectContaining({ code: 'OUTBOX_EN_USO' }));
    expect(lockOf(dir)).toBe(stale);
  });

  it('a takeover whose claimant died before finishing does not wedge the directory; leftovers are swept', async () => {
    const dir = tempDir();
    const stale = `${DEAD_PID} aaaa\n`;
    writeFileSync(path.join(dir, LOCK_FILE), stale);
    writeFileSync(path.join(dir, await claimName(stale)), `${DEAD_PID - 1} cccc\n`); // died mid-takeover
    writeFileSync(path.join(dir, `${LOCK_FILE}.takeover-0000000000000000`), `${DEAD_PID} dddd\n`); // an old one
    writeFileSync(path.join(dir, `${LOCK_FILE}.tmp-${DEAD_PID}-abcdef`), `${DEAD_PID} eeee\n`);
    const release = acquireLock(dir);
    expect(ownerOf(dir)).toBe(process.pid);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    release();
  });
});

/** A racer: a child process that takes and releases locks on command. */
function racer() {
  const child: ChildProcess = spawn(process.execPath, [FIXTURE, pathToFileURL(BUILT_LOCK).href], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const replies: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else replies.push(line);
  });
  /** The next line the child prints. */
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const r = replies.shift();
      if (r !== undefined) return resolve(r);
      waiting.push(resolve);
      void exited.then(() => reject(new Error(`racer ${child.pid} exited: ${stderr}`)));
    });
  const send = (line: string) => child.stdin?.write(`${line}\n`);
  cleanups.push(async () => {
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  return { pid: child.pid as number, next, send };
}

describe('two processes racing for the same stale lock', () => {
  it('exactly one of them wins, every round', async () => {
    expect(existsSync(BUILT_LOCK), `${BUILT_LOCK} is missing: run \`npm run build\` first`).toBe(true);
    const a = racer();
    const b = racer();
    expect([await a.next(), await b.next()]).toEqual(['ready', 'ready']);
    const ROUNDS = 20;
    for (let round = 0; round < ROUNDS; round++) {
      const dir = tempDir();
      const stale = round % 3 === 1 ? String(DEAD_PID) : `${DEAD_PID} ${round.toString(16).padStart(16, '0')}\n`;
      writeFileSync(path.join(dir, LOCK_FILE), stale);
      // Every third round a claimant already died inside its takeover: the racers also race for that.
      if (round % 3 === 2) writeFileSync(path.join(dir, await claimName(stale)), `${DEAD_PID - 1} 00\n`);
      // Half the rounds slow every file system call by a random 0..1 ms, so the two interleave at
      // every step of the takeover rather than only at its start.
      const jitter = round % 2 === 0 ? 0 : 1;
      const start = Date.now() + 30; // both busy-wait for this instant, then go
      a.send(`go ${dir} ${jitter} ${start}`);
      b.send(`go ${dir} ${jitter} ${start}`);
      const results = { [a.pid]: await a.next(), [b.pid]: await b.next() };
      const winners = Object.entries(results).filter(([, r]) => r === 'won');
      expect(winners, `round ${round}: ${JSON.stringify(results)}`).toHaveLength(1);
      const winner = Number(winners[0]?.[0]);
      const loser = winner === a.pid ? b : a;
      expect(results[loser.pid], `round ${round}`).toBe('lost OUTBOX_EN_USO');
      expect(ownerOf(dir), `round ${round}`).toBe(winner);
      expect(readdirSync(dir), `round ${round}: nothing but the lock is left`).toEqual([LOCK_FILE]);
      const winnerRacer = winner === a.pid ? a : b;
      winnerRacer.send('release');
      expect(await winnerRacer.next()).toBe('released');
      expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    }
  });
});
