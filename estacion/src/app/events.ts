/**
 * The station's event bus: the domain services publish, the WebSocket bridge, metrics and logs
 * subscribe. Nothing in the domain knows who listens.
 */
import { EventEmitter } from 'node:events';
import type {
  Alerta,
  Autorizacion,
  Conflicto,
  EstadoSurtidor,
  Surtidor,
  Transaccion,
  VersionPrecios,
} from '../domain/types.js';
import type { VistaProgramada } from '../domain/prices.js';
import type { Descarga } from '../domain/tanks.js';
import type { VistaTanque } from './tank-service.js';

export interface StationEvents {
  surtidor_conectado: [{ surtidor: Surtidor; estado: EstadoSurtidor }];
  surtidor_desconectado: [{ id_surtidor: number; estado: EstadoSurtidor; motivo: string }];
  estado: [EstadoSurtidor];
  transaccion: [Transaccion];
  /** A sale arrived with the id of a stored one but other content; it was kept in `conflictos`. */
  conflicto: [Conflicto];
  alerta: [Alerta];
  precios: [VersionPrecios];
  /** The scheduled price version changed: received, replaced, cancelled or in force now (null: none). */
  precios_programados: [VistaProgramada | null];
  precios_aplicados: [{ id_surtidor: number; version: number }];
  surtidor_actualizado: [Surtidor];
  surtidor_eliminado: [{ id_surtidor: number }];
  /** (ext) An authorization was issued or changed state (stored first). */
  autorizacion: [Autorizacion];
  /** (ext) A tank's new reading (at most one a second per tank) or configuration. */
  tanque: [VistaTanque];
  tanque_eliminado: [{ id_tanque: number }];
  /** (ext) A delivery was detected and stored. */
  descarga: [Descarga];
}

export class StationBus extends EventEmitter<StationEvents> {
  constructor() {
    super();
    // Listeners are the bridge, metrics and one per test; none should be able to leak unnoticed.
    this.setMaxListeners(50);
  }
}
