import { describe, expect, it } from 'vitest';
import { ReportJournal } from './report-journal.js';

function journal(last = 0, cursor = 0) {
  let stored = cursor;
  const store = {
    lastReportSeq: () => Promise.resolve(last),
    reportCursor: () => Promise.resolve(stored),
    advanceReportCursor: (h: number) => {
      stored = Math.max(stored, h);
      return Promise.resolve(stored);
    },
  };
  return new ReportJournal(store);
}

describe('ReportJournal', () => {
  it('continues after the last position stored and announces only what is written', async () => {
    const j = journal(41, 40);
    await j.init();
    expect([j.visible, j.ultimo, j.cursor, j.pendientes]).toEqual([41, 41, 40, 1]);
    expect(j.reserve(3)).toBe(42);
  });

  it('lets nothing past a write still running be read, whatever finished after it', async () => {
    const j = journal();
    await j.init();
    const seen: number[] = [];
    j.onVisible(() => seen.push(j.visible));
    const sales = j.reserve(10); // 1…10
    const alert = j.reserve(1); // 11
    j.settle(alert, true);
    expect(j.visible).toBe(0);
    expect(j.ultimo).toBe(0);
    j.settle(sales, true);
    expect(j.visible).toBe(11);
    expect(j.ultimo).toBe(11);
    expect(seen).toEqual([11]);
  });

  it('hands an unused last position out again; an unused one in the middle stays a gap', async () => {
    const j = journal();
    await j.init();
    const a = j.reserve(1);
    j.settle(a, false);
    expect(j.reserve(1)).toBe(1);
    j.settle(1, true);
    const b = j.reserve(1); // 2
    const c = j.reserve(1); // 3
    j.settle(b, false);
    j.settle(c, true);
    expect(j.visible).toBe(3);
    expect(j.reserve(1)).toBe(4);
  });

  it('settles a write that throws, and passes the error on', async () => {
    const j = journal();
    await j.init();
    await expect(j.write(2, () => Promise.reject(new Error('disco lleno')))).rejects.toThrow('disco lleno');
    expect(j.visible).toBe(0);
    expect(await j.write(2, (desde) => Promise.resolve(desde))).toBe(1);
    expect(j.visible).toBe(2);
  });

  it('never moves the cursor backwards', async () => {
    const j = journal(10, 5);
    await j.init();
    expect(await j.advanceCursor(8)).toBe(8);
    expect(await j.advanceCursor(6)).toBe(8);
    expect(j.cursor).toBe(8);
  });
});
