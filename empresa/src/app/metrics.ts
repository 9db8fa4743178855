/** Prometheus metrics for the company (served at GET /metrics), fed by the event bus. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
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
    bus.on('confirmacion', ({ ms }) => {
      this.confirmaciones.inc();
      if (ms !== null) this.propagacion.observe(ms / 1000);
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
