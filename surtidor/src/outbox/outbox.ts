/**
 * The durable outbox of one surtidor process: one append-only log per directory, shared by all
 * the process's pumps (one fsync covers every pump's sales of a tick: group commit).
 *
 * - `recordSale` queues a sale; it counts as written only once a flush has fsynced it, and only
 *   then is it handed to `onDurable` (the link sends it). A sale leaves the outbox only when the
 *   station confirms it (`confirm`, logged as an ack record).
 * - The log also keeps each pump's identity, last `secuencia`, litre meter and prices, so a
 *   restart resumes exactly where the last durable sale left off.
 * - On open the log is replayed; when it holds mostly confirmed sales it is compacted (written
 *   anew, fsynced, renamed over, directory fsynced).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Clock, type Logger, systemClock, type TransaccionCompletada } from '@combustible/shared';
import { mlDeLitros } from '../domain/money.js';
import type { PriceVersion, PumpMemory } from '../domain/types.js';
import { SurtidorError } from '../errors.js';
import { acquireLock } from './lock.js';
import { LogFile } from './log-file.js';
import { PendingSales } from './pending-sales.js';
import { ackLine, parseRecord, pricesLine, pumpLine, saleLine } from './records.js';

export const OUTBOX_FILE = 'outbox.ndjson';

export interface OutboxOptions {
  dir: string;
  log: Logger;
  /** Also append every sale, as its wire line, to this file (never compacted): the pumps' sales book. */
  ledgerFile?: string | undefined;
  clock?: Clock;
  /** Compact once the log holds more than this many records and four times the live ones. */
  compactMinRecords?: number;
  /** Wait before retrying a failed write. */
  retryMs?: number;
}

/** What the outbox keeps for one pump. */
export class PumpBook {
  /** Last durable secuencia and meter (ml). */
  secuencia = 0;
  totalizadorMl = 0;
  precios: PriceVersion | null = null;
  readonly pending = new PendingSales();
  /** Sales recorded but not yet fsynced. */
  writing = 0;

  constructor(
    readonly id: number,
    public instancia: string,
  ) {}

  memory(defaultPrices: PriceVersion): PumpMemory {
    return {
      instancia: this.instancia,
      secuencia: this.secuencia,
      totalizadorMl: this.totalizadorMl,
      precios: this.precios ?? defaultPrices,
    };
  }
}

interface QueueItem {
  line: string;
  sale?: TransaccionCompletada;
}

interface Waiter {
  upTo: number;
  resolve: () => void;
}

export interface OutboxStats {
  fileBytes: number;
  records: number;
  compactions: number;
  writeErrors: number;
}

export class Outbox {
  readonly books = new Map<number, PumpBook>();
  /** Called once a sale is durable. */
  onDurable: ((tx: TransaccionCompletada) => void) | undefined;
  private queue: QueueItem[] = [];
  private appended = 0;
  private written = 0;
  private waiters: Waiter[] = [];
  private running = false;
  private closed = false;
  private fileRecords = 0;
  private durablePending = 0;
  private writingTotal = 0;
  private pricedBooks = 0;
  private compactions = 0;
  private writeErrors = 0;
  private readonly clock: Clock;
  private readonly compactMinRecords: number;
  private readonly retryMs: number;

  private constructor(
    private readonly file: LogFile,
    private readonly ledger: LogFile | undefined,
    private readonly release: () => void,
    private readonly options: OutboxOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.compactMinRecords = options.compactMinRecords ?? 20_000;
    this.retryMs = options.retryMs ?? 1000;
  }

  static async open(options: OutboxOptions): Promise<Outbox> {
    try {
      mkdirSync(options.dir, { recursive: true });
    } catch (err) {
      throw new SurtidorError('OUTBOX_ILEGIBLE', `no se pudo crear ${options.dir}: ${(err as Error).message}`);
    }
    const release = acquireLock(options.dir);
    let file: LogFile | undefined;
    try {
      const opened = await LogFile.open(path.join(options.dir, OUTBOX_FILE));
      file = opened.log;
      if (opened.tornBytes > 0) {
        options.log.warn({ bytes: opened.tornBytes }, 'outbox: se descartó una última línea incompleta');
      }
      let ledger: LogFile | undefined;
      if (options.ledgerFile) {
        mkdirSync(path.dirname(options.ledgerFile), { recursive: true });
        ledger = (await LogFile.open(options.ledgerFile)).log;
      }
      const outbox = new Outbox(file, ledger, release, options);
      outbox.replay(opened.content);
      return outbox;
    } catch (err) {
      await file?.close().catch(() => undefined);
      release();
      if (err instanceof SurtidorError) throw err;
      throw new SurtidorError('OUTBOX_ILEGIBLE', `outbox ${options.dir}: ${(err as Error).message}`);
    }
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────────

  /** Sales not yet confirmed by the station (durable or still being written). */
  get pending(): number {
    return this.durablePending + this.writingTotal;
  }

  get stats(): OutboxStats {
    return {
      fileBytes: this.file.size,
      records: this.fileRecords,
      compactions: this.compactions,
      writeErrors: this.writeErrors,
    };
  }

  has(id: number): boolean {
    return this.books.has(id);
  }

  /** The pump's book; a pump new to this outbox gets one (with a fresh instance id), logged. */
  book(id: number): PumpBook {
    let book = this.books.get(id);
    if (!book) {
      book = new PumpBook(id, randomBytes(4).toString('hex'));
      this.books.set(id, book);
      this.enqueue({ line: pumpLine(id, book.instancia, 0, 0) });
    }
    return book;
  }

  // ── writing ────────────────────────────────────────────────────────────────────────────────

  /** Queues a finished sale; it becomes durable (and is handed to onDurable) at the next flush. */
  recordSale(tx: TransaccionCompletada): void {
    if (this.closed) throw new Error('outbox cerrado');
    const book = this.book(tx.id_surtidor);
    book.writing += 1;
    this.writingTotal += 1;
    this.enqueue({ line: saleLine(tx), sale: tx });
  }

  /** The station confirmed a sale: it leaves the outbox. False when it was not pending. */
  confirm(id: number, idTransaccion: string): boolean {
    const book = this.books.get(id);
    if (!book?.pending.ack(idTransaccion)) return false;
    this.durablePending -= 1;
    if (!this.closed) this.enqueue({ line: ackLine(id, idTransaccion) });
    return true;
  }

  /** The pump now sells at these prices (kept so a restart offline sells at them too). */
  savePrices(id: number, prices: PriceVersion): void {
    const book = this.book(id);
    this.setPrices(book, prices);
    if (!this.closed) this.enqueue({ line: pricesLine(id, prices.version, prices.precios) });
  }

  /** Resolves once everything queued so far is fsynced (sales then handed to onDurable). */
  flush(): Promise<void> {
    const upTo = this.appended;
    if (this.written >= upTo) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push({ upTo, resolve }));
    this.kick();
    return done;
  }

  /** Flushes, compacts if worthwhile, closes the files and releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true; // from now on only what is queued gets written
    await this.flush();
    while (this.running) await new Promise((r) => setImmediate(r));
    try {
      if (this.fileRecords > 2 * this.liveRecords()) await this.compact();
    } catch (err) {
      this.options.log.warn({ err }, 'outbox: no se pudo compactar al cerrar');
    }
    await this.file.close();
    await this.ledger?.close();
    this.release();
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  private enqueue(item: QueueItem): void {
    this.queue.push(item);
    this.appended += 1;
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.file.append(batch.map((b) => b.line).join(''));
        } catch (err) {
          this.writeErrors += 1;
          this.queue = batch.concat(this.queue);
          this.options.log.error(
            { err, codigo: 'OUTBOX_ESCRITURA', registros: batch.length },
            'outbox: falló la escritura; se reintenta',
          );
          await new Promise<void>((r) => this.clock.setTimeout(r, this.retryMs));
          continue;
        }
        this.fileRecords += batch.length;
        this.written += batch.length;
        const sales: TransaccionCompletada[] = [];
        for (const item of batch) if (item.sale) sales.push(item.sale);
        if (sales.length > 0) await this.writeLedger(sales);
        for (const tx of sales) this.durable(tx);
        if (this.fileRecords > this.compactMinRecords && this.fileRecords > 4 * this.liveRecords()) {
          await this.compact().catch((err: unknown) =>
            this.options.log.warn({ err }, 'outbox: no se pudo compactar; se reintentará'),
          );
        }
        this.wake();
      }
    } finally {
      this.running = false;
    }
  }

  private async writeLedger(sales: TransaccionCompletada[]): Promise<void> {
    if (!this.ledger) return;
    try {
      await this.ledger.append(sales.map((tx) => `${JSON.stringify(tx)}\n`).join(''));
    } catch (err) {
      this.options.log.error({ err }, 'libro de ventas: falló la escritura');
    }
  }

  private durable(tx: TransaccionCompletada): void {
    const book = this.book(tx.id_surtidor);
    book.writing -= 1;
    this.writingTotal -= 1;
    this.noteProgress(book, tx);
    if (book.pending.push(tx)) this.durablePending += 1;
    this.onDurable?.(tx);
  }

  private noteProgress(book: PumpBook, tx: TransaccionCompletada): void {
    const seq = tx.secuencia ?? 0;
    if (seq >= book.secuencia) {
      book.secuencia = seq;
      if (tx.totalizador_fin !== undefined) book.totalizadorMl = mlDeLitros(tx.totalizador_fin);
    }
  }

  private wake(): void {
    const ready = this.waiters.filter((w) => w.upTo <= this.written);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.upTo > this.written);
    for (const w of ready) w.resolve();
  }

  private liveRecords(): number {
    return this.books.size + this.pricedBooks + this.durablePending;
  }

  private setPrices(book: PumpBook, prices: PriceVersion): void {
    if (!book.precios) this.pricedBooks += 1;
    book.precios = prices;
  }

  /** Rewrites the log with only what is still needed (taken synchronously, then written). */
  private async compact(): Promise<void> {
    const lines: string[] = [];
    for (const b of this.books.values()) {
      lines.push(pumpLine(b.id, b.instancia, b.secuencia, b.totalizadorMl));
      if (b.precios) lines.push(pricesLine(b.id, b.precios.version, b.precios.precios));
      for (const tx of b.pending) lines.push(saleLine(tx));
    }
    const before = this.file.size;
    await this.file.replace(lines.join(''));
    this.fileRecords = lines.length;
    this.compactions += 1;
    this.options.log.info(
      { antes_bytes: before, despues_bytes: this.file.size, pendientes: this.durablePending },
      'outbox compactado',
    );
  }

  private replay(content: string): void {
    let corrupt = 0;
    let records = 0;
    for (const line of content.split('\n')) {
      if (line.trim().length === 0) continue;
      records += 1;
      const r = parseRecord(line);
      if (!r) {
        corrupt += 1;
        continue;
      }
      switch (r.t) {
        case 'p': {
          const book = this.replayBook(r.id, r.inst);
          book.instancia = r.inst;
          if (r.seq >= book.secuencia) {
            book.secuencia = r.seq;
            book.totalizadorMl = r.tot;
          }
          break;
        }
        case 'pr':
          this.setPrices(this.replayBook(r.id), { version: r.v, precios: r.pr });
          break;
        case 'v': {
          const book = this.replayBook(r.id);
          this.noteProgress(book, r.tx);
          if (book.pending.push(r.tx)) this.durablePending += 1;
          break;
        }
        case 'a':
          if (this.books.get(r.id)?.pending.ack(r.tx)) this.durablePending -= 1;
          break;
      }
    }
    this.fileRecords = records;
    if (corrupt > 0) {
      this.options.log.warn(
        { codigo: 'OUTBOX_REGISTRO_CORRUPTO', lineas: corrupt },
        'outbox: se omitieron líneas ilegibles',
      );
    }
  }

  private replayBook(id: number, inst?: string): PumpBook {
    let book = this.books.get(id);
    if (!book) {
      book = new PumpBook(id, inst ?? randomBytes(4).toString('hex'));
      this.books.set(id, book);
    }
    return book;
  }
}
