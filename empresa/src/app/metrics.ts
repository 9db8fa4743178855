/** Prometheus metrics for the company (served at GET /metrics), fed by the event bus. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CLASES_REPORTE } from '@combustible/shared';
import type { EstadoEstacion } from '../domain/types.js';
import type { CompanyBus } from './events.js';

export class CompanyMetrics {
  readonly registry = new Registry();
  private readonly version = new Gauge({
    name: 'empresa_version_precios',
    help: 'Newest price version',
    registers: [this.registry],
  });
  private readonly cambios = new Counter({
    name: 'empresa_cambios_precios_total',
    help: 'Price versions created',
    registers: [this.registry],
  });
  private readonly cancelaciones = new Counter({
    name: 'empresa_cancelaciones_precios_total',
    help: 'Scheduled price versions cancelled before taking effect',
    registers: [this.registry],
  });
  private readonly conectadas = new Gauge({
    name: 'empresa_estaciones_conectadas',
    help: 'Stations with an open link',
    registers: [this.registry],
  });
  private readonly sincronizadas = new Gauge({
    name: 'empresa_estaciones_sincronizadas',
    help: 'Stations that hold the newest price version',
    registers: [this.registry],
  });
  private readonly confirmaciones = new Counter({
    name: 'empresa_confirmaciones_total',
    help: 'precios_recibidos received from stations',
    registers: [this.registry],
  });
  private readonly propagacion = new Histogram({
    name: 'empresa_propagacion_segundos',
    help: 'From a price version being created to a station acknowledging it',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly destinosRechazados = new Counter({
    name: 'empresa_destinos_rechazados_total',
    help: 'Station addresses refused because they are outside --allowed-networks, by where (registro: API or --estacion; enlace: a dial attempt)',
    labelNames: ['origen'] as const,
    registers: [this.registry],
  });
  private readonly reportes = new Counter({
    name: 'empresa_reportes_total',
    help: 'Reports received from stations and stored, by class (otra: a class this build does not know) and result (nuevo, duplicado, conflicto, rechazado)',
    labelNames: ['clase', 'resultado'] as const,
    registers: [this.registry],
  });
  private readonly loteReportes = new Histogram({
    name: 'empresa_reportes_lote',
    help: 'Reports written per durable write (group commit across station links)',
    buckets: [1, 10, 100, 1000, 5000, 10000],
    registers: [this.registry],
  });
  private readonly escrituraReportes = new Histogram({
    name: 'empresa_reportes_escritura_segundos',
    help: 'Time of one durable write of a batch of reports',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly links = new Map<string, EstadoEstacion>();

  constructor(bus: CompanyBus) {
    collectDefaultMetrics({ register: this.registry, prefix: 'empresa_' });
    bus.on('precios', (v) => {
      this.cambios.inc();
      this.version.set(v.version);
    });
    bus.on('cancelacion', () => this.cancelaciones.inc());
    bus.on('destino_rechazado', ({ origen }) => this.destinosRechazados.inc({ origen }));
    bus.on('enlace', ({ id_estacion, estado }) => {
      if (estado.estado === 'detenido') this.links.delete(id_estacion);
      else this.links.set(id_estacion, estado);
      this.recount();
    });
    bus.on('estacion_eliminada', ({ id_estacion }) => {
      this.links.delete(id_estacion);
      this.recount();
    });
    bus.on('estacion_actualizada', ({ id_anterior, estacion }) => {
      const s = this.links.get(id_anterior);
      if (s === undefined || id_anterior === estacion.id_estacion) return;
      this.links.delete(id_anterior);
      this.links.set(estacion.id_estacion, s);
    });
    bus.on('reportes', ({ lote, resultados, ms }) => {
      const counts = new Map<string, number>();
      for (let i = 0; i < lote.length; i++) {
        const r = lote[i] as (typeof lote)[number];
        const clase = r.clase === 'rechazado' ? claseConocida(r.clase_reportada) : r.clase;
        const key = `${clase}|${resultados[i] ?? 'rechazado'}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [key, n] of counts) {
        const [clase = 'otra', resultado = 'rechazado'] = key.split('|');
        this.reportes.inc({ clase, resultado }, n);
      }
      this.loteReportes.observe(lote.length);
      this.escrituraReportes.observe(ms / 1000);
    });
    bus.on('confirmacion', ({ ms }) => {
      this.confirmaciones.inc();
      if (ms !== null) this.propagacion.observe(ms / 1000);
    });
  }

  /**
   * The report intake's queue (reports waiting for a durable write) and how many times the links
   * were told to stop reading because it was full, read at each scrape.
   */
  observeIngest(ingest: { readonly pending: number; readonly pausas: number }): void {
    new Gauge({
      name: 'empresa_reportes_cola',
      help: 'Reports waiting for a durable write (bounded by --reportes-cola)',
      registers: [this.registry],
      collect() {
        this.set(ingest.pending);
      },
    });
    new Gauge({
      name: 'empresa_reportes_pausas',
      help: 'Times the station links stopped reading because the report queue was full (backpressure)',
      registers: [this.registry],
      collect() {
        this.set(ingest.pausas);
      },
    });
  }

  /** CSV exports being downloaded (bounded by --max-exports), read at each scrape. */
  watchExports(activas: () => number): void {
    new Gauge({
      name: 'empresa_exportaciones_activas',
      help: 'CSV exports being downloaded (bounded by --max-exports)',
      registers: [this.registry],
      collect() {
        this.set(activas());
      },
    });
  }

  /** The version in force at start (no `precios` event for it). */
  setVersion(version: number): void {
    this.version.set(version);
  }

  private recount(): void {
    let conectadas = 0;
    let sincronizadas = 0;
    for (const s of this.links.values()) {
      if (s.conectada) conectadas += 1;
      if (s.estado === 'sincronizado' && s.anomalia === null) sincronizadas += 1;
    }
    this.conectadas.set(conectadas);
    this.sincronizadas.set(sincronizadas);
  }
}

/** A class as a metric label: one of the known ones, else `otra` (a station cannot add labels). */
function claseConocida(clase: string): string {
  return (CLASES_REPORTE as readonly string[]).includes(clase) ? clase : 'otra';
}
