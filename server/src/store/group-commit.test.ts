import { describe, expect, it } from 'vitest';
import { GroupCommitter } from './group-commit.js';

describe('GroupCommitter', () => {
  it('writes what was submitted in the same turn as one batch, and what came during a commit as the next', async () => {
    const batches: number[][] = [];
    let release: (() => void) | undefined;
    const committer = new GroupCommitter<number, string>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return items.map((i) => `ok ${i}`);
    });
    const first = [1, 2, 3].map((i) => committer.submit(i));
    await new Promise((r) => setImmediate(r));
    // The first commit is running: these wait for the next one, together.
    const second = [4, 5].map((i) => committer.submit(i));
    release?.();
    expect(await Promise.all([...first, ...second])).toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5']);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('splits a queue longer than maxBatch', async () => {
    const sizes: number[] = [];
    const committer = new GroupCommitter<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => committer.submit(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('fails the whole batch when the commit fails, and goes on with the next', async () => {
    let calls = 0;
    const committer = new GroupCommitter<number, number>(async (items) => {
      calls += 1;
      if (calls === 1) throw new Error('disco lleno');
      return items;
    });
    const a = committer.submit(1);
    const b = committer.submit(2);
    await expect(a).rejects.toThrow('disco lleno');
    await expect(b).rejects.toThrow('disco lleno');
    await expect(committer.submit(3)).resolves.toBe(3);
  });

  it('calls failed for an item whose done throws, and still answers the rest of the batch', async () => {
    const committer = new GroupCommitter<number, number>(async (items) => items);
    const seen: string[] = [];
    committer.enqueue(
      1,
      () => {
        throw new Error('oyente roto');
      },
      (err) => seen.push(`falló 1: ${(err as Error).message}`),
    );
    committer.enqueue(
      2,
      (r) => seen.push(`ok ${r}`),
      () => seen.push('falló 2'),
    );
    await new Promise((r) => setImmediate(r));
    await committer.flushed();
    expect(seen).toEqual(['falló 1: oyente roto', 'ok 2']);
  });
});
