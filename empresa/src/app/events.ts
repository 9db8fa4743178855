/**
 * The company's event bus: the service publishes price versions and registry changes, the links
 * publish their status; the link manager, the metrics and the logs subscribe.
 */
import { EventEmitter } from 'node:events';
import type { ReporteEntrante, ResultadoReporte } from '../domain/reports.js';
import type { Estacion, EstadoEstacion, VersionPrecios } from '../domain/types.js';

export interface CompanyEvents {
  /** A new price version was stored. */
  precios: [VersionPrecios];
  /** A scheduled version was cancelled before taking effect. */
  cancelacion: [VersionPrecios];
  estacion_agregada: [Estacion];
  /** `id_anterior` differs from `estacion.id_estacion` after a rename. */
  estacion_actualizada: [{ id_anterior: string; estacion: Estacion }];
  estacion_eliminada: [{ id_estacion: string }];
  /** A link's status changed. */
  enlace: [{ id_estacion: string; estado: EstadoEstacion }];
  /** The company refused to register (`registro`) or dial (`enlace`) an address outside --allowed-networks. */
  destino_rechazado: [{ host: string; origen: 'registro' | 'enlace'; motivo: string }];
  /** A station acknowledged a version; `ms` is the time since that version was created when it is the newest. */
  confirmacion: [{ id_estacion: string; version: number; ms: number | null }];
  /** (issue 15) A batch of reports was written: what each did, and how long the write took. */
  reportes: [{ lote: readonly ReporteEntrante[]; resultados: readonly ResultadoReporte[]; ms: number }];
}

export class CompanyBus extends EventEmitter<CompanyEvents> {
  constructor() {
    super();
    this.setMaxListeners(50);
  }
}
