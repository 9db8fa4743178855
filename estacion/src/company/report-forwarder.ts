/**
 * (ext, issue 15) Reports upstream on one company connection: after `suscripcion_reportes`, the
 * journal is sent from the cursor on, in seq order, read a bounded page at a time; at most
 * min(ventana, --reportes-ventana-max) unacknowledged, at most --reportes-por-seg a second (a
 * token bucket), and never more than the socket takes: with its buffer full, sending waits for
 * 'drain', so a price acknowledgement is never queued behind a backlog. `reportes_recibidos`
 * stores the cursor (never backwards, never past what was sent here) and lets more go.
 */
import type { Duplex } from 'node:stream';
import { type Clock, type Logger, type Reporte, TokenBucket } from '@combustible/shared';
import type { ReportJournal } from '../app/report-journal.js';
import type { ReporteAlmacenado } from '../domain/reportes.js';
import type { StationStore } from '../store/port.js';

export interface ReportOptions {
  /** The most reports in flight on one connection, whatever the company's `ventana` (1…1000). */
  ventanaMax: number;
  /** Reports sent per second at most, per connection. */
  porSegundo: number;
}

export const DEFAULT_REPORT_OPTIONS: ReportOptions = { ventanaMax: 256, porSegundo: 500 };

/** Journal entries read from the store at a time. */
export const REPORT_PAGE = 200;

export interface ReportMetrics {
  reportSent(): void;
  reportsAcked(n: number): void;
  /** Sending waited for a token (the rate limit). */
  reportRateLimited(): void;
}

export const NO_REPORT_METRICS: ReportMetrics = { reportSent() {}, reportsAcked() {}, reportRateLimited() {} };

/** What an acknowledgement did. */
export type AckResult =
  { ok: true; cursor: number } | { ok: false; motivo: 'mas_alla_de_lo_enviado'; enviado: number; cursor: number };

export interface ReportForwarderDeps {
  journal: ReportJournal;
  store: Pick<StationStore, 'readReports'>;
  clock: Clock;
  log: Logger;
  stream: Duplex;
  send: (r: Reporte) => void;
  options: ReportOptions;
  metrics: ReportMetrics;
}

export class ReportForwarder {
  /** 0: not subscribed. */
  private ventana = 0;
  /** The highest seq sent on this connection (starts at the cursor). */
  private sent = 0;
  /** The journal is read through here (gaps included). */
  private readThrough = 0;
  /** Seqs sent and not yet acknowledged, ascending. */
  private readonly inFlight: number[] = [];
  private page: ReporteAlmacenado[] = [];
  private pageAt = 0;
  private reading = false;
  private waitTimer: ReturnType<Clock['setTimeout']> | undefined;
  private waitingDrain = false;
  private stopped = false;
  private unlisten: (() => void) | undefined;
  private acks: Promise<unknown> = Promise.resolve();
  private readonly bucket: TokenBucket;
  private readonly onDrain = () => {
    this.waitingDrain = false;
    this.pump();
  };

  constructor(private readonly deps: ReportForwarderDeps) {
    const { porSegundo } = deps.options;
    this.bucket = new TokenBucket(porSegundo, Math.max(1, Math.ceil(porSegundo / 10)), deps.clock);
  }

  get subscribed(): boolean {
    return this.ventana > 0;
  }

  get unacknowledged(): number {
    return this.inFlight.length;
  }

  /** `suscripcion_reportes`: the first starts the stream from the cursor; a later one changes the window. */
  subscribe(ventana: number): void {
    if (this.stopped) return;
    if (this.ventana === 0) {
      this.sent = this.deps.journal.cursor;
      this.readThrough = this.sent;
      this.unlisten = this.deps.journal.onVisible(() => this.pump());
    }
    this.ventana = Math.max(1, Math.min(ventana, this.deps.options.ventanaMax));
    this.pump();
  }

  /**
   * `reportes_recibidos`: past what this connection sent is refused (nothing changes); at or below
   * the cursor changes nothing; else the cursor is stored, then more is sent.
   */
  ack(hasta: number): Promise<AckResult> {
    const { journal } = this.deps;
    if (hasta > Math.max(this.sent, journal.cursor)) {
      return Promise.resolve({
        ok: false,
        motivo: 'mas_alla_de_lo_enviado',
        enviado: this.sent,
        cursor: journal.cursor,
      });
    }
    const done = this.acks.then(async (): Promise<AckResult> => {
      const cursor = await journal.advanceCursor(hasta);
      let n = 0;
      while (this.inFlight.length > 0 && (this.inFlight[0] as number) <= cursor) {
        this.inFlight.shift();
        n++;
      }
      if (n > 0) this.deps.metrics.reportsAcked(n);
      this.pump();
      return { ok: true, cursor };
    });
    this.acks = done.catch(() => undefined);
    return done;
  }

  stop(): void {
    this.stopped = true;
    this.unlisten?.();
    this.deps.clock.clearTimeout(this.waitTimer);
    this.deps.stream.off('drain', this.onDrain);
  }

  /** Sends what the window, the rate and the socket allow; returns when one of them says wait. */
  pump(): void {
    const { stream, metrics, clock, options } = this.deps;
    while (!this.stopped && this.ventana > 0 && this.waitTimer === undefined && !this.waitingDrain) {
      if (this.inFlight.length >= this.ventana) return;
      if (stream.destroyed || !stream.writable) return;
      if (stream.writableNeedDrain) {
        this.waitingDrain = true;
        stream.once('drain', this.onDrain);
        return;
      }
      const next = this.page[this.pageAt];
      if (next === undefined) {
        this.readPage();
        return;
      }
      if (!this.bucket.take()) {
        metrics.reportRateLimited();
        this.waitTimer = clock.setTimeout(
          () => {
            this.waitTimer = undefined;
            this.pump();
          },
          Math.max(1, Math.ceil(1000 / options.porSegundo)),
        );
        return;
      }
      this.pageAt++;
      this.deps.send({ tipo: 'reporte', seq: next.seq, clase: next.clase, datos: next.datos });
      this.sent = next.seq;
      this.inFlight.push(next.seq);
      metrics.reportSent();
    }
  }

  /** The next page after what was read, up to what may be read; then pumps again. */
  private readPage(): void {
    const hasta = this.deps.journal.visible;
    // Another connection may have moved the cursor past this one's reading (a company takeover).
    const desde = Math.max(this.readThrough, this.deps.journal.cursor);
    if (this.reading || desde >= hasta) return;
    this.reading = true;
    this.deps.store.readReports(desde, hasta, REPORT_PAGE).then(
      (rows) => {
        this.reading = false;
        this.page = rows;
        this.pageAt = 0;
        // A short page read everything up to `hasta`: the positions left are gaps.
        this.readThrough = rows.length < REPORT_PAGE ? hasta : (rows[rows.length - 1] as ReporteAlmacenado).seq;
        this.pump();
      },
      (err: unknown) => {
        this.reading = false;
        this.deps.log.error({ err, desde }, 'reportes: no se pudo leer el diario; se reintenta');
        this.waitTimer = this.deps.clock.setTimeout(() => {
          this.waitTimer = undefined;
          this.pump();
        }, 1000);
      },
    );
  }
}
