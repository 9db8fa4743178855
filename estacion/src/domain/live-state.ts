/**
 * Live state of every pump, in memory. `estado` lines are the bulk of traffic: they only touch
 * this map and mark the pump dirty; a flusher writes the dirty snapshots behind (latest wins).
 */
import { type Estado, type EstadoOperacion, timestampMs } from '@combustible/shared';
import type { EstadoConexion, EstadoSurtidor, PausadoPor } from './types.js';

export function initialState(id: number): EstadoSurtidor {
  return {
    id_surtidor: id,
    estado_conexion: 'desconectado',
    estado_operacion: 'disponible',
    litros_actuales: 0,
    monto_actual: 0,
    tipo_combustible: null,
    precio_por_litro: null,
    version_precios: null,
    desfase_reloj_ms: null,
    timestamp: null,
    ultima_actividad: null,
    pausado_por: null,
  };
}

export interface EstadoResult {
  state: EstadoSurtidor;
  /** The operation state before this report. */
  previous: EstadoOperacion;
}

export class LiveStates {
  private readonly states = new Map<number, EstadoSurtidor>();
  private readonly dirty = new Set<number>();

  /** Loads persisted snapshots; every pump starts disconnected. */
  load(snapshots: EstadoSurtidor[]): void {
    for (const s of snapshots) {
      this.states.set(s.id_surtidor, { ...s, estado_conexion: 'desconectado' });
    }
  }

  get(id: number): EstadoSurtidor | undefined {
    return this.states.get(id);
  }

  all(): EstadoSurtidor[] {
    return [...this.states.values()];
  }

  connected(): EstadoSurtidor[] {
    return this.all().filter((s) => s.estado_conexion === 'conectado');
  }

  private ensure(id: number): EstadoSurtidor {
    let s = this.states.get(id);
    if (!s) {
      s = initialState(id);
      this.states.set(id, s);
    }
    return s;
  }

  private touch(s: EstadoSurtidor, nowIso: string): void {
    s.ultima_actividad = nowIso;
    this.dirty.add(s.id_surtidor);
  }

  /** A pump registered: it is connected and, until it says otherwise, available at `version`. */
  markConnected(id: number, nowIso: string, version: number, combustible: EstadoSurtidor['tipo_combustible']) {
    const s = this.ensure(id);
    s.estado_conexion = 'conectado';
    s.estado_operacion = 'disponible';
    s.litros_actuales = 0;
    s.monto_actual = 0;
    s.version_precios = version;
    if (combustible) s.tipo_combustible = combustible;
    this.touch(s, nowIso);
    return s;
  }

  markDisconnected(id: number, how: Exclude<EstadoConexion, 'conectado'>, nowIso: string) {
    const s = this.ensure(id);
    s.estado_conexion = how;
    this.touch(s, nowIso);
    return s;
  }

  /** Any line from the pump: liveness only. */
  seen(id: number, nowIso: string): void {
    const s = this.states.get(id);
    if (s) s.ultima_actividad = nowIso;
  }

  applyEstado(msg: Estado, nowIso: string, precioPorLitro: number | null): EstadoResult {
    const s = this.ensure(msg.id_surtidor);
    const previous = s.estado_operacion;
    s.estado_operacion = msg.estado_operacion;
    s.litros_actuales = msg.litros_actuales;
    s.monto_actual = msg.monto_actual;
    s.tipo_combustible = msg.tipo_combustible;
    s.precio_por_litro = precioPorLitro;
    s.timestamp = msg.timestamp;
    // The pump runs again (resumed at the pump itself, or after a restart): nobody holds it paused.
    if (msg.estado_operacion !== 'pausado') s.pausado_por = null;
    this.touch(s, nowIso);
    return { state: s, previous };
  }

  /**
   * A command from the station succeeded: `pausar` and `detener_emergencia` record who stopped the
   * pump and why, `reanudar` clears it. Undefined when the pump has no live state.
   */
  commandApplied(
    id: number,
    comando: 'pausar' | 'reanudar' | 'detener_emergencia',
    por: { usuario: string; razon: string },
    nowIso: string,
  ): EstadoSurtidor | undefined {
    const s = this.states.get(id);
    if (!s) return undefined;
    const pausado: PausadoPor | null =
      comando === 'reanudar' ? null : { usuario: por.usuario, comando, razon: por.razon, fecha: nowIso };
    s.pausado_por = pausado;
    this.dirty.add(id);
    return s;
  }

  /** Station clock minus the pump's clock, from a pump timestamp. */
  recordDrift(id: number, pumpTimestamp: string, nowMs: number): number | null {
    const s = this.states.get(id);
    const t = timestampMs(pumpTimestamp);
    if (!s || Number.isNaN(t)) return null;
    s.desfase_reloj_ms = nowMs - t;
    this.dirty.add(id);
    return s.desfase_reloj_ms;
  }

  pricesApplied(id: number, version: number, nowIso: string): void {
    const s = this.ensure(id);
    s.version_precios = version;
    this.touch(s, nowIso);
  }

  remove(id: number): void {
    this.states.delete(id);
    this.dirty.delete(id);
  }

  /** The snapshots changed since the last call (copies), for the write-behind flusher. */
  takeDirty(): EstadoSurtidor[] {
    const out: EstadoSurtidor[] = [];
    for (const id of this.dirty) {
      const s = this.states.get(id);
      if (s) out.push({ ...s });
    }
    this.dirty.clear();
    return out;
  }

  /** Puts snapshots back in the dirty set after a failed write (unless newer ones are already there). */
  restoreDirty(ids: number[]): void {
    for (const id of ids) if (this.states.has(id)) this.dirty.add(id);
  }
}
