/**
 * The station's side of link 2: `handle(stream)` takes one company connection. Connections that
 * stay silent past the idle timeout (the company pings) are closed.
 */
import type { Duplex } from 'node:stream';
import { type Clock, DEFAULT_MAX_LINE_BYTES, type Logger, systemClock, unrefTimer } from '@combustible/shared';
import { type AuditSink, NO_AUDIT } from '../app/audit-sink.js';
import type { StationService } from '../app/station-service.js';
import type { LineMetrics, LinePolicy } from '../tcp/line-session.js';
import { CompanySession } from './company-session.js';
import { DEFAULT_REPORT_OPTIONS, NO_REPORT_METRICS, type ReportMetrics } from './report-forwarder.js';
import type { StationStore } from '../store/port.js';

export interface CompanyLinkOptions extends LinePolicy {
  /**
   * When set (and not empty), the company must send this token, or one of these, in
   * `autenticacion` (several at once: a rotation with an overlap).
   */
  token: string | readonly string[] | undefined;
  authTimeoutMs: number;
  /** A company connection silent this long is closed (the company pings well within it). */
  idleTimeoutMs: number;
  /** (ext, issue 15) --reportes-ventana-max: reports in flight per connection at most (1…1000). */
  reportesVentanaMax: number;
  /** (ext, issue 15) --reportes-por-seg: reports sent per second at most, per connection. */
  reportesPorSeg: number;
}

export const DEFAULT_COMPANY_LINK_OPTIONS: CompanyLinkOptions = {
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
  maxBadLines: 20,
  ratePerSecond: 50,
  rateBurst: 100,
  maxOutboundBytes: 256 * 1024,
  token: undefined,
  authTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  reportesVentanaMax: DEFAULT_REPORT_OPTIONS.ventanaMax,
  reportesPorSeg: DEFAULT_REPORT_OPTIONS.porSegundo,
};

export interface CompanyLinkDeps {
  service: StationService;
  estacion: { id: string; nombre: string };
  log: Logger;
  clock?: Clock;
  metrics?: LineMetrics;
  options?: Partial<CompanyLinkOptions>;
  /** Where refused authentications and the company's price changes are audited. */
  audit?: AuditSink;
  /** (ext, issue 15) Where the journal is read; the service's store by default. */
  store?: Pick<StationStore, 'readReports'>;
  reportMetrics?: ReportMetrics;
}

export class CompanyLink {
  readonly service: StationService;
  readonly estacion: { id: string; nombre: string };
  readonly log: Logger;
  readonly clock: Clock;
  readonly metrics: LineMetrics;
  readonly options: CompanyLinkOptions;
  readonly audit: AuditSink;
  readonly store: Pick<StationStore, 'readReports'>;
  readonly reportMetrics: ReportMetrics;
  private readonly sessions = new Set<CompanySession>();
  private sweepTimer: ReturnType<Clock['setTimeout']> | undefined;
  private closing = false;

  constructor(deps: CompanyLinkDeps) {
    this.service = deps.service;
    this.estacion = deps.estacion;
    this.log = deps.log;
    this.clock = deps.clock ?? systemClock;
    this.metrics = deps.metrics ?? { message() {}, badLine() {} };
    this.options = { ...DEFAULT_COMPANY_LINK_OPTIONS, ...deps.options };
    this.audit = deps.audit ?? NO_AUDIT;
    this.store = deps.store ?? deps.service.store;
    this.reportMetrics = deps.reportMetrics ?? NO_REPORT_METRICS;
    this.scheduleSweep();
  }

  readonly handle = (stream: Duplex, remote: string | null = null): void => {
    if (this.closing) {
      stream.destroy();
      return;
    }
    this.sessions.add(new CompanySession(this, stream, remote));
    this.log.info({ remote }, 'conexión de la empresa');
  };

  get connectionCount(): number {
    return this.sessions.size;
  }

  sessionClosed(session: CompanySession): void {
    this.sessions.delete(session);
    this.log.info({ remote: session.remote, empresa: session.empresa }, 'la empresa se desconectó');
  }

  private scheduleSweep(): void {
    this.sweepTimer = this.clock.setTimeout(
      () => {
        const limit = this.clock.now() - this.options.idleTimeoutMs;
        for (const s of this.sessions) if (s.lastSeen < limit) s.destroy();
        if (!this.closing) this.scheduleSweep();
      },
      Math.max(50, Math.min(5000, this.options.idleTimeoutMs / 4)),
    );
    unrefTimer(this.sweepTimer);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.clock.clearTimeout(this.sweepTimer);
    const closed = [...this.sessions].map(
      (s) => new Promise<void>((resolve) => (s.stream.destroyed ? resolve() : s.stream.once('close', () => resolve()))),
    );
    for (const s of this.sessions) s.close();
    await Promise.all(closed);
  }
}
