/**
 * One process per outbox directory: a lock file `outbox.lock` holding `<pid> <nonce>` (the nonce
 * tells two locks of the same pid apart). A lock whose pid is not running is stale and is taken
 * over, and the takeover is atomic: when several processes find the same stale lock at once,
 * exactly one of them ends up owning the directory and the others get OUTBOX_EN_USO.
 *
 * Why it is safe (every step is one atomic file system call):
 *
 *  - A lock is never written in place. Its content goes to a private temp file first, which is
 *    then published whole: `link(temp, lock)` to create (fails with EEXIST if any lock exists, so
 *    two creators cannot both succeed), `rename(temp, lock)` to replace. Nobody can read a half-
 *    written or empty lock and mistake it for a stale one.
 *
 *  - Replacing a stale lock needs a claim on that very lock: the file `outbox.lock.takeover-<key>`,
 *    where <key> is a hash of the stale lock's content, created with `link()` (only one process can
 *    create it). Checking "stale" and then replacing is otherwise a race: two processes both see the
 *    dead pid, and the second replaces the lock the first has just taken.
 *
 *  - The claimant reads the lock again after winning the claim, and replaces it only if it is still
 *    the stale lock it claimed. Between that read and its rename nobody else can change the lock:
 *    creating fails while a lock exists, the dead owner cannot release it, and replacing it needs
 *    the claim on exactly this content, which the claimant holds. A process that read the stale
 *    lock long ago and claims it late (after the winner dropped its claim) re-reads, sees the
 *    winner's live lock, and gives up.
 *
 *  - A claimant that dies between its claim and its rename leaves a claim whose pid is not running:
 *    that claim is itself a stale lock and is taken over the same way (a claim on the claim), so a
 *    crash at the worst moment cannot wedge the directory.
 *
 * Leftovers of crashed processes (claims, temp files whose pid is not running) are removed by the
 * next owner. A pid that is running in another process's namespace (a container) looks dead; the
 * outbox directory must not be shared across pid namespaces.
 */
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SurtidorError } from '../errors.js';

export const LOCK_FILE = 'outbox.lock';
const TAKEOVER = '.takeover-';
const TEMP = '.tmp-';
/** Claims on claims: each level needs a process to die inside a claim; beyond this, give up. */
const MAX_DEPTH = 4;

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return code(err) === 'EPERM';
  }
}

/** The pid a lock or claim names (an old lock holds only the pid); NaN if unreadable. */
function ownerOf(content: string): number {
  const pid = Number(content.trim().split(/\s+/)[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : Number.NaN;
}

/** Held by a running process other than this one (this process re-opening its outbox takes it back). */
function heldByAnother(content: string): number | undefined {
  const pid = ownerOf(content);
  return !Number.isNaN(pid) && pid !== process.pid && alive(pid) ? pid : undefined;
}

/** The file's content, or undefined if it is gone. */
function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

const claimOf = (file: string, content: string) =>
  `${file}${TAKEOVER}${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;

type Outcome = { ok: true } | { ok: false; holder?: number };

class Locker {
  /** This process's lock content: `<pid> <nonce>`. */
  readonly mine = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  /** Claims this attempt holds, removed once the lock is ours (or the attempt is over). */
  private readonly claims: string[] = [];

  constructor(private readonly dir: string) {}

  /** A private file holding `mine`, ready to be published by link() or rename(). */
  private temp(): string {
    const file = path.join(this.dir, `${LOCK_FILE}${TEMP}${process.pid}-${randomBytes(6).toString('hex')}`);
    writeFileSync(file, this.mine, { flag: 'wx' });
    return file;
  }

  /** Creates `file` holding `mine`; false if it already exists. */
  create(file: string): boolean {
    const temp = this.temp();
    try {
      linkSync(temp, file);
      return true;
    } catch (err) {
      if (code(err) === 'EEXIST') return false;
      throw err;
    } finally {
      unlinkQuietly(temp);
    }
  }

  /**
   * Replaces `file`, found holding `stale` (whose owner is not running), with `mine`, unless
   * another process claimed it first. Atomic as explained at the top of this file.
   */
  takeOver(file: string, stale: string, depth = 0): Outcome {
    if (depth > MAX_DEPTH) return { ok: false };
    const claim = claimOf(file, stale);
    if (this.create(claim)) {
      this.claims.push(claim);
    } else {
      const holding = readIfThere(claim);
      if (holding === undefined) return { ok: false }; // its holder just finished: look again
      const holder = heldByAnother(holding);
      if (holder !== undefined) return { ok: false, holder }; // another process is taking over
      // Its holder died inside its claim: the claim is stale too, and taken over the same way.
      const claimed = this.takeOver(claim, holding, depth + 1);
      if (!claimed.ok) return claimed;
      this.claims.push(claim);
    }
    // Ours to replace only if it is still the lock we claimed (we may have read it long ago).
    if (readIfThere(file) !== stale) return { ok: false };
    const temp = this.temp();
    try {
      renameSync(temp, file);
    } catch (err) {
      unlinkQuietly(temp);
      throw err;
    }
    return { ok: true };
  }

  /** Drops the claims this attempt made (a late claimant then re-reads and sees the new owner). */
  dropClaims(): void {
    for (const claim of this.claims.splice(0)) unlinkQuietly(claim);
  }

  /** Removes claims and temp files that crashed processes left behind (we own the lock now). */
  sweep(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(`${LOCK_FILE}${TAKEOVER}`)) {
        const content = readIfThere(path.join(this.dir, name));
        if (content !== undefined && heldByAnother(content) === undefined) unlinkQuietly(path.join(this.dir, name));
      } else if (name.startsWith(`${LOCK_FILE}${TEMP}`)) {
        const pid = Number(name.slice(`${LOCK_FILE}${TEMP}`.length).split('-')[0]);
        if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) unlinkQuietly(path.join(this.dir, name));
      }
    }
  }
}

/** Takes the directory's lock; returns the function that releases it. */
export function acquireLock(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  const locker = new Locker(dir);
  const inUse = (pid: number) =>
    new SurtidorError('OUTBOX_EN_USO', `el outbox ${dir} está en uso por el proceso ${pid}; use otro --outbox-dir`);
  try {
    // A few rounds: between two looks the lock may be released, or taken over by someone else.
    let taken = false;
    for (let round = 0; round < 20 && !taken; round++) {
      if (locker.create(file)) {
        taken = true;
        break;
      }
      const current = readIfThere(file);
      if (current === undefined) continue; // released meanwhile: try to create it again
      const owner = heldByAnother(current);
      if (owner !== undefined) throw inUse(owner);
      const outcome = locker.takeOver(file, current);
      locker.dropClaims();
      if (outcome.ok) taken = true;
      else if (outcome.holder !== undefined) throw inUse(outcome.holder);
    }
    if (!taken) throw new SurtidorError('OUTBOX_ILEGIBLE', `no se pudo tomar ${file}: cambia sin cesar`);
    // Every step above is atomic, so this holds; checked all the same before writing anything.
    if (readIfThere(file) !== locker.mine) {
      throw new SurtidorError('OUTBOX_ILEGIBLE', `no se pudo tomar ${file}: otro proceso lo reemplazó`);
    }
  } catch (err) {
    locker.dropClaims();
    if (err instanceof SurtidorError) throw err;
    throw new SurtidorError('OUTBOX_ILEGIBLE', `no se pudo tomar ${file}: ${(err as Error).message}`);
  }
  locker.sweep();
  return () => {
    try {
      if (readFileSync(file, 'utf8') === locker.mine) unlinkSync(file);
    } catch {
      // already gone
    }
  };
}
