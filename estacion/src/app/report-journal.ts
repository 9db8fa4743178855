/**
 * (ext, issue 15) The journal's positions, handed out in memory: `seq` is taken before a record's
 * write and written with it (a sale on its row, the rest in `reportes`). Writes may finish out of
 * order (the sales' group commit and the background writes run side by side), so what may be read
 * is `visible`: the highest position below which every position handed out is settled (written,
 * or failed and never to be written). A position whose write failed or wrote nothing, or that a
 * duplicate sale did not use, is a gap (never written, never sent), unless no position was handed
 * out after it: then it is handed out again. The company's cursor (`cursor`) is kept here too,
 * as stored.
 */
import type { StationStore } from '../store/port.js';

interface Reserva {
  desde: number;
  n: number;
  settled: boolean;
}

export class ReportJournal {
  private next = 1;
  /** Reservations not yet settled, oldest first (plus settled ones behind an older open one). */
  private readonly open: Reserva[] = [];
  private lastWritten = 0;
  private cursorStored = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly store: Pick<StationStore, 'lastReportSeq' | 'reportCursor' | 'advanceReportCursor'>) {}

  /** Loads the last position written and the cursor (before anything is reserved). */
  async init(): Promise<void> {
    const last = await this.store.lastReportSeq();
    this.next = last + 1;
    this.lastWritten = last;
    this.cursorStored = await this.store.reportCursor();
  }

  /** `n` consecutive positions for one write; the first. Settle them with `settle`. */
  reserve(n: number): number {
    const desde = this.next;
    this.next += n;
    this.open.push({ desde, n, settled: false });
    return desde;
  }

  /** The write holding the positions from `desde` is over (`written`: it succeeded). */
  settle(desde: number, written: boolean): void {
    const r = this.open.find((x) => x.desde === desde);
    if (!r) return;
    r.settled = true;
    if (written) this.lastWritten = Math.max(this.lastWritten, r.desde + r.n - 1);
    // Unused and the last handed out (an alert already resolved, say): handed out again, no gap.
    else if (r.desde + r.n === this.next) this.next = r.desde;
    const before = this.visible;
    while (this.open[0]?.settled === true) this.open.shift();
    if (this.visible > before) for (const l of this.listeners) l();
  }

  /** Positions up to here may be read: every write that holds one is over. */
  get visible(): number {
    const first = this.open[0];
    return first === undefined ? this.next - 1 : first.desde - 1;
  }

  /** The last position written and readable (what `estacion_info` announces as `ultimo_seq`). */
  get ultimo(): number {
    return Math.min(this.visible, this.lastWritten);
  }

  /** The highest position the company acknowledged, as stored. */
  get cursor(): number {
    return this.cursorStored;
  }

  /** Backlog: positions written and not acknowledged (gaps included). */
  get pendientes(): number {
    return Math.max(0, this.ultimo - this.cursorStored);
  }

  /** Stores the cursor at `hasta` unless it is beyond already; the cursor afterwards. */
  async advanceCursor(hasta: number): Promise<number> {
    if (hasta <= this.cursorStored) return this.cursorStored;
    const stored = await this.store.advanceReportCursor(hasta);
    this.cursorStored = Math.max(this.cursorStored, stored);
    return this.cursorStored;
  }

  /** `fn` runs whenever `visible` grows; returns its removal. */
  onVisible(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Runs `write` with `n` positions reserved from the one it is given, settling them either way. */
  async write<R>(n: number, write: (desde: number) => Promise<R>, written: (r: R) => boolean = () => true): Promise<R> {
    const desde = this.reserve(n);
    let ok = false;
    try {
      const r = await write(desde);
      ok = written(r);
      return r;
    } finally {
      this.settle(desde, ok);
    }
  }
}
