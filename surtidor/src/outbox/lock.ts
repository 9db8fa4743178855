/** One process per outbox directory: a lock file holding the owner's pid; a dead owner's lock is taken over. */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SurtidorError } from '../errors.js';

export const LOCK_FILE = 'outbox.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock; returns the function that releases it. */
export function acquireLock(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  const mine = String(process.pid);
  try {
    writeFileSync(file, mine, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new SurtidorError('OUTBOX_ILEGIBLE', `no se pudo crear ${file}: ${(err as Error).message}`);
    }
    const owner = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new SurtidorError(
        'OUTBOX_EN_USO',
        `el outbox ${dir} está en uso por el proceso ${owner}; use otro --outbox-dir`,
      );
    }
    writeFileSync(file, mine); // a stale lock from a process that died
  }
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === mine) unlinkSync(file);
    } catch {
      // already gone
    }
  };
}
