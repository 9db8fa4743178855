/**
 * The company's intake of reports upstream (issue 15): what every station link hands over goes
 * through one group commit (GroupCommitter of @combustible/server), so the reports of all stations
 * that arrive while a write runs are written together by the next one: one durable transaction
 * per batch, whatever the number of links. A link acknowledges a report only once its batch is
 * written.
 *
 * The wait is bounded (--reportes-cola): once that many reports wait for a write, `saturated` tells
 * each link that receives more to stop reading, and they are told to read again when the wait is
 * back under half. A link still takes the rest of the chunk it had read, so the wait may pass the
 * bound by up to one window (--reportes-ventana) per link, never more.
 */
import { GroupCommitter } from '@combustible/server';
import { type Clock, isoNow, type Logger, type Reporte } from '@combustible/shared';
import { evaluarReporte, type ReporteEntrante, type ResultadoReporte } from '../domain/reports.js';
import type { ReportSink } from '../links/station-link.js';
import type { CompanyStore } from '../store/port.js';
import type { CompanyBus } from './events.js';

export interface ReportIngestOptions {
  /** Reports waiting for a write before the links stop reading (--reportes-cola). */
  maxPendientes: number;
  /** Reports kept apart per station and kind, the newest (--reportes-apartados). */
  maxApartados: number;
}

export const DEFAULT_INGEST_OPTIONS: ReportIngestOptions = { maxPendientes: 20_000, maxApartados: 1_000 };

export class ReportIngest implements ReportSink {
  private readonly committer: GroupCommitter<ReporteEntrante, ResultadoReporte>;
  private readonly options: ReportIngestOptions;
  private waiting: (() => void)[] = [];
  /** Times the links were told to stop reading. */
  pausas = 0;

  constructor(
    private readonly store: CompanyStore,
    private readonly bus: CompanyBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    options: Partial<ReportIngestOptions> = {},
  ) {
    this.options = { ...DEFAULT_INGEST_OPTIONS, ...options };
    this.committer = new GroupCommitter((lote) => this.write(lote));
  }

  /** Reports waiting for a write (or being written). */
  get pending(): number {
    return this.committer.pending;
  }

  get saturated(): boolean {
    return this.committer.pending >= this.options.maxPendientes;
  }

  submit(id_estacion: string, reporte: Reporte, done: () => void, failed: (err: unknown) => void): void {
    const now = this.clock.now();
    const entrante: ReporteEntrante = {
      ...evaluarReporte(reporte, now),
      id_estacion,
      seq: reporte.seq,
      recibida: isoNow(this.clock),
    };
    this.committer.enqueue(entrante, () => done(), failed);
  }

  whenDrained(resume: () => void): void {
    if (this.waiting.length === 0) this.pausas += 1;
    this.waiting.push(resume);
  }

  /** Resolves once every report submitted so far is written (or failed). */
  flushed(): Promise<void> {
    return this.committer.flushed();
  }

  private async write(lote: ReporteEntrante[]): Promise<ResultadoReporte[]> {
    const started = performance.now();
    try {
      const resultados = await this.store.saveReports(lote, { maxApartados: this.options.maxApartados });
      this.bus.emit('reportes', { lote, resultados, ms: performance.now() - started });
      for (let i = 0; i < lote.length; i++) {
        const r = lote[i] as ReporteEntrante;
        if (r.clase === 'rechazado') {
          this.log.warn(
            { id_estacion: r.id_estacion, seq: r.seq, clase: r.clase_reportada, codigo: r.codigo, motivo: r.motivo },
            'reporte rechazado: se guarda aparte y se confirma',
          );
        } else if (resultados[i] === 'conflicto') {
          this.log.warn(
            { id_estacion: r.id_estacion, seq: r.seq, clase: r.clase },
            'reporte en conflicto con uno ya guardado: se guarda aparte y se confirma',
          );
        }
      }
      return resultados;
    } finally {
      // The batch has left the queue: links paused for it may read again.
      if (this.waiting.length > 0 && this.committer.pending < this.options.maxPendientes / 2) {
        const waiting = this.waiting;
        this.waiting = [];
        for (const resume of waiting) resume();
      }
    }
  }
}
