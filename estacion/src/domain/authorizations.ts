/**
 * (ext) Prepaid authorizations: the life cycle of each one and the checks on the sale that uses it.
 * Pure apart from the injected clock (its expiry timers); the service persists what comes out and
 * tells the pump and the dashboards.
 *
 *   emitida ──(pump reports despachando)──▶ despachando ──(sale)──▶ completada
 *   emitida ──(sale arrives first)──────────────────────────────▶ completada
 *   emitida ──(DELETE)──▶ cancelada    (despachando too, only once the pump is disconnected)
 *   emitida ──(no dispensing within the timeout)──▶ expirada
 *   emitida ──(pump answers `autorizar` with an error)──▶ rechazada
 *
 * At most one open (emitida or despachando) authorization per pump, and at most `maxOpen` in all:
 * only open ones are held in memory; closed ones are in the store. The last `recentClosed` closed
 * ones are remembered too, so that a second sale under a used authorization is noticed at once.
 */
import {
  type Clock,
  type Combustible,
  isoNow,
  type LimiteAutorizacion,
  type ModoAutorizacion,
  type TimerHandle,
  type TransaccionCompletada,
  unrefTimer,
} from '@combustible/shared';
import type { StationAlertCode } from './alert-codes.js';
import type { Autorizacion } from './types.js';

export const LIMITES_AUTORIZACION = {
  /** Default --authorization-timeout: dispensing must start this long after the authorization. */
  vencimientoPorDefectoMs: 120_000,
  /** The bounds of --authorization-timeout (those of `comando.vence_en_ms` on the wire). */
  vencimientoMinimoMs: 1_000,
  vencimientoMaximoMs: 3_600_000,
  /** Default --max-open-authorizations. */
  abiertasPorDefecto: 1_000,
  /**
   * A `monto` preset may be exceeded by the price of one meter step (this many litres, rounded up
   * to a peso) plus the station's 1-peso rounding tolerance: the pump stops at the step that
   * reaches the amount.
   */
  pasoLitros: 0.01,
  toleranciaMonto: 1,
  /** A `litros` preset may be exceeded by this fraction (0.5 %: meter overrun when the valve closes). */
  toleranciaLitros: 0.005,
  /** Closed authorizations remembered in memory (to notice a reused one without a store read). */
  cerradasRecientes: 1_000,
} as const;

export interface AuthorizationOptions {
  timeoutMs: number;
  maxOpen: number;
  /**
   * --autorizacion-automatica: a prepaid pump that waits is authorized by the station itself, full
   * tank, as controllers do for unattended islands (and load tests): real ids, checked sales.
   */
  automatic?: boolean;
}

export const DEFAULT_AUTHORIZATION_OPTIONS: AuthorizationOptions = {
  timeoutMs: LIMITES_AUTORIZACION.vencimientoPorDefectoMs,
  maxOpen: LIMITES_AUTORIZACION.abiertasPorDefecto,
};

/** Why an authorization could not be issued or cancelled (the service maps these to API errors). */
export type AuthorizationRefusal =
  | { rechazo: 'AUTORIZACION_ABIERTA'; abierta: Autorizacion }
  | { rechazo: 'AUTORIZACIONES_EXCEDIDAS'; maximo: number }
  | { rechazo: 'AUTORIZACION_NO_ENCONTRADA' }
  | { rechazo: 'AUTORIZACION_EN_CURSO'; abierta: Autorizacion };

export interface NuevaAutorizacion {
  id_autorizacion: string;
  id_surtidor: number;
  limite: LimiteAutorizacion;
  combustibles: Combustible[] | null;
  usuario: string;
  /** Price per litre of the one fuel a `litros` preset is for (null when several or unknown). */
  precio_por_litro: number | null;
}

/** The most a sale under `limite` may be before it is over its limit (monto in pesos, litros in L). */
export function toleranciaLimite(limite: LimiteAutorizacion, precioPorLitro: number): number | null {
  const L = LIMITES_AUTORIZACION;
  switch (limite.tipo) {
    case 'monto':
      return limite.valor + Math.ceil(precioPorLitro * L.pasoLitros) + L.toleranciaMonto;
    case 'litros':
      // To the millilitre (what a meter measures): 20 × 1.005 is 20.1, not 20.099999999999998.
      return Math.round(limite.valor * (1 + L.toleranciaLitros) * 1000) / 1000;
    case 'lleno':
      return null;
  }
}

/** One thing noticed about a sale against its authorization: an observation and an alert. */
export interface HallazgoAutorizacion {
  codigo: Extract<
    StationAlertCode,
    | 'AUTORIZACION_EXCEDIDA'
    | 'AUTORIZACION_DESCONOCIDA'
    | 'AUTORIZACION_REUTILIZADA'
    | 'AUTORIZACION_NO_VIGENTE'
    | 'VENTA_SIN_AUTORIZACION'
    | 'COMBUSTIBLE_NO_AUTORIZADO'
  >;
  detalle: string;
}

export interface RevisionVenta {
  hallazgos: HallazgoAutorizacion[];
  /** Integer pesos to refund; null when the authorization had no prepaid amount (or none applies). */
  reembolso: number | null;
  /** The authorization, completed by this sale (to store and announce); null when none changes. */
  completada: Autorizacion | null;
}

/**
 * The checks on a sale against the authorization it names (`autorizacion`: the one with its
 * id_autorizacion, open or stored, or null when none is known). Pure: the sale is stored whatever
 * this finds; each finding becomes an observation on it and an alert.
 */
export function revisarVenta(
  t: TransaccionCompletada,
  idTransaccion: string,
  ctx: { modo: ModoAutorizacion; autorizacion: Autorizacion | null; ahora: string },
): RevisionVenta {
  const hallazgos: HallazgoAutorizacion[] = [];
  if (t.id_autorizacion === undefined) {
    if (ctx.modo === 'prepago') {
      hallazgos.push({
        codigo: 'VENTA_SIN_AUTORIZACION',
        detalle: `el surtidor ${t.id_surtidor} está en prepago y la venta no nombra ninguna autorización`,
      });
    }
    return { hallazgos, reembolso: null, completada: null };
  }
  const a = ctx.autorizacion;
  if (a === null || a.id_surtidor !== t.id_surtidor) {
    hallazgos.push({
      codigo: 'AUTORIZACION_DESCONOCIDA',
      detalle: `la autorización ${t.id_autorizacion} no fue emitida por esta estación para el surtidor ${t.id_surtidor}`,
    });
    return { hallazgos, reembolso: null, completada: null };
  }
  const reembolso = a.monto_prepagado === null ? null : Math.max(0, a.monto_prepagado - t.monto_total);
  if (a.estado === 'completada') {
    // The same sale again (a resend) is not a reuse.
    if (a.id_transaccion !== idTransaccion) {
      hallazgos.push({
        codigo: 'AUTORIZACION_REUTILIZADA',
        detalle: `la autorización ${a.id_autorizacion} ya se usó en la venta ${a.id_transaccion ?? '?'}`,
      });
      return { hallazgos, reembolso: null, completada: null };
    }
    return { hallazgos, reembolso: a.reembolso, completada: null };
  }
  if (a.estado !== 'emitida' && a.estado !== 'despachando') {
    hallazgos.push({
      codigo: 'AUTORIZACION_NO_VIGENTE',
      detalle: `la autorización ${a.id_autorizacion} estaba ${a.estado} cuando llegó la venta`,
    });
  }
  const tope = toleranciaLimite(a.limite, t.precio_por_litro);
  if (a.limite.tipo === 'monto' && tope !== null && t.monto_total > tope) {
    hallazgos.push({
      codigo: 'AUTORIZACION_EXCEDIDA',
      detalle: `monto_total ${t.monto_total} supera el límite de ${a.limite.valor} pesos (tolerancia hasta ${tope})`,
    });
  }
  if (a.limite.tipo === 'litros' && tope !== null && t.litros > tope) {
    hallazgos.push({
      codigo: 'AUTORIZACION_EXCEDIDA',
      detalle: `${t.litros} L supera el límite de ${a.limite.valor} L (tolerancia hasta ${Math.round(tope * 1000) / 1000} L)`,
    });
  }
  if (a.combustibles !== null && !a.combustibles.includes(t.tipo_combustible)) {
    hallazgos.push({
      codigo: 'COMBUSTIBLE_NO_AUTORIZADO',
      detalle: `${t.tipo_combustible} no está entre los combustibles autorizados (${a.combustibles.join(', ')})`,
    });
  }
  const completada: Autorizacion = {
    ...a,
    estado: 'completada',
    id_transaccion: idTransaccion,
    reembolso,
    actualizada: ctx.ahora,
    motivo: hallazgos.length > 0 ? hallazgos.map((h) => `${h.codigo}: ${h.detalle}`).join('; ') : a.motivo,
  };
  return { hallazgos, reembolso, completada };
}

/** The open authorizations, one per pump at most, with their expiry timers. */
export class Authorizations {
  private readonly porSurtidor = new Map<number, Autorizacion>();
  private readonly porId = new Map<string, Autorizacion>();
  private readonly timers = new Map<string, TimerHandle>();
  /** Closed ones, oldest first (a Map keeps insertion order), at most LIMITES_AUTORIZACION.cerradasRecientes. */
  private readonly recientes = new Map<string, Autorizacion>();

  constructor(
    private readonly clock: Clock,
    private readonly options: AuthorizationOptions,
    /** Called when one expires (already closed here): the service stores and announces it. */
    private readonly onExpired: (a: Autorizacion) => void,
  ) {}

  get openCount(): number {
    return this.porSurtidor.size;
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** The pump's open authorization. */
  openFor(idSurtidor: number): Autorizacion | undefined {
    return this.porSurtidor.get(idSurtidor);
  }

  /** An open or recently closed authorization by id. */
  find(id: string): Autorizacion | undefined {
    return this.porId.get(id) ?? this.recientes.get(id);
  }

  /** Every open one, by pump. */
  open(): Autorizacion[] {
    return [...this.porSurtidor.values()].sort((a, b) => a.id_surtidor - b.id_surtidor);
  }

  /**
   * The open ones stored by an earlier run: held again with their timers (one already past its
   * `vence` expires on the next tick). Returns those beyond the bound or duplicated per pump, which
   * the caller closes.
   */
  load(stored: Autorizacion[]): Autorizacion[] {
    const dropped: Autorizacion[] = [];
    for (const a of stored) {
      if (a.estado !== 'emitida' && a.estado !== 'despachando') continue;
      if (this.porSurtidor.has(a.id_surtidor) || this.porSurtidor.size >= this.options.maxOpen) {
        dropped.push(this.close(a, 'cancelada', 'abierta en exceso al reiniciar la estación'));
        continue;
      }
      this.hold(a, Math.max(0, Date.parse(a.vence) - this.clock.now()));
    }
    return dropped;
  }

  /** A new authorization for a pump with none open; held (and its timer armed) until it closes. */
  issue(n: NuevaAutorizacion): Autorizacion | AuthorizationRefusal {
    const abierta = this.porSurtidor.get(n.id_surtidor);
    if (abierta) return { rechazo: 'AUTORIZACION_ABIERTA', abierta };
    if (this.porSurtidor.size >= this.options.maxOpen) {
      return { rechazo: 'AUTORIZACIONES_EXCEDIDAS', maximo: this.options.maxOpen };
    }
    const ahora = this.clock.now();
    const creada = new Date(ahora).toISOString();
    const a: Autorizacion = {
      id_autorizacion: n.id_autorizacion,
      id_surtidor: n.id_surtidor,
      estado: 'emitida',
      limite: n.limite,
      combustibles: n.combustibles,
      monto_prepagado: montoPrepagado(n.limite, n.precio_por_litro),
      usuario: n.usuario,
      creada,
      vence: new Date(ahora + this.options.timeoutMs).toISOString(),
      actualizada: creada,
      id_transaccion: null,
      reembolso: null,
      motivo: null,
    };
    this.hold(a, this.options.timeoutMs);
    return a;
  }

  /** Forgets an authorization just issued that could not be stored (as if never issued). */
  discard(id: string): void {
    const a = this.porId.get(id);
    if (a) this.release(a);
  }

  /** The pump reports it is dispensing (under `id`, when it names one): emitida → despachando. */
  started(idSurtidor: number, id: string | undefined): Autorizacion | null {
    const a = this.porSurtidor.get(idSurtidor);
    if (!a || a.estado !== 'emitida' || (id !== undefined && id !== a.id_autorizacion)) return null;
    this.clock.clearTimeout(this.timers.get(a.id_autorizacion));
    this.timers.delete(a.id_autorizacion);
    const next: Autorizacion = { ...a, estado: 'despachando', actualizada: isoNow(this.clock) };
    this.porSurtidor.set(next.id_surtidor, next);
    this.porId.set(next.id_autorizacion, next);
    return next;
  }

  /**
   * DELETE: only while fuel has not started flowing, unless `force` (the pump is gone: a
   * `despachando` one would otherwise hold it for ever if its sale never comes).
   */
  cancel(idSurtidor: number, motivo: string, force = false): Autorizacion | AuthorizationRefusal {
    const a = this.porSurtidor.get(idSurtidor);
    if (!a) return { rechazo: 'AUTORIZACION_NO_ENCONTRADA' };
    if (a.estado !== 'emitida' && !force) return { rechazo: 'AUTORIZACION_EN_CURSO', abierta: a };
    return this.close(a, 'cancelada', motivo);
  }

  /** The pump answered `autorizar` with an error: the authorization never took effect. */
  reject(id: string, motivo: string): Autorizacion | null {
    const a = this.porId.get(id);
    if (!a || a.estado !== 'emitida') return null;
    return this.close(a, 'rechazada', motivo);
  }

  /** A sale completed it (the record from revisarVenta): no longer open. */
  completed(a: Autorizacion): void {
    const held = this.porId.get(a.id_autorizacion);
    if (held) this.release(held);
    this.remember(a);
  }

  private expire(id: string): void {
    const a = this.porId.get(id);
    if (!a || a.estado !== 'emitida') return;
    this.onExpired(
      this.close(a, 'expirada', `no comenzó a despachar en ${Math.round(this.options.timeoutMs / 1000)} s`),
    );
  }

  private close(a: Autorizacion, estado: Autorizacion['estado'], motivo: string): Autorizacion {
    const closed: Autorizacion = { ...a, estado, motivo, actualizada: isoNow(this.clock) };
    if (this.porId.get(a.id_autorizacion) === a) this.release(a);
    this.remember(closed);
    return closed;
  }

  private hold(a: Autorizacion, expiresInMs: number): void {
    this.porSurtidor.set(a.id_surtidor, a);
    this.porId.set(a.id_autorizacion, a);
    if (a.estado !== 'emitida') return;
    const timer = this.clock.setTimeout(() => this.expire(a.id_autorizacion), expiresInMs);
    unrefTimer(timer);
    this.timers.set(a.id_autorizacion, timer);
  }

  private release(a: Autorizacion): void {
    this.clock.clearTimeout(this.timers.get(a.id_autorizacion));
    this.timers.delete(a.id_autorizacion);
    this.porId.delete(a.id_autorizacion);
    if (this.porSurtidor.get(a.id_surtidor)?.id_autorizacion === a.id_autorizacion) {
      this.porSurtidor.delete(a.id_surtidor);
    }
  }

  private remember(a: Autorizacion): void {
    this.recientes.delete(a.id_autorizacion);
    this.recientes.set(a.id_autorizacion, a);
    if (this.recientes.size > LIMITES_AUTORIZACION.cerradasRecientes) {
      const oldest = this.recientes.keys().next().value;
      if (oldest !== undefined) this.recientes.delete(oldest);
    }
  }

  /** Stops every timer (the station is closing). */
  stop(): void {
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    this.timers.clear();
  }
}

/** What the customer paid ahead for a preset: the amount, or litres × the price of its one fuel. */
export function montoPrepagado(limite: LimiteAutorizacion, precioPorLitro: number | null): number | null {
  if (limite.tipo === 'monto') return limite.valor;
  if (limite.tipo === 'litros' && precioPorLitro !== null) return Math.round(limite.valor * precioPorLitro);
  return null;
}
