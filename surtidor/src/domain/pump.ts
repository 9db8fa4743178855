/**
 * One simulated pump: a pure state machine (no I/O, no timers of its own). The fleet calls
 * `tick()` from one shared timer; time comes from the injected clock, chance from the injected
 * random source, and everything the pump says goes to its sink.
 *
 *   disponible ──customer──▶ despachando ──target reached──▶ disponible
 *       │  ▲                     │  ▲
 *  pausar│  │reanudar       pausar│  │reanudar (the sale in progress is held, then continues)
 *       ▼  │                     ▼  │
 *       pausado ◀──detener_emergencia (partial sale recorded as `cancelada`)── any
 */
import {
  type Clock,
  type Combustible,
  type ComandoNombre,
  type EstadoOperacion,
  type EstadoTransaccion,
  type TransaccionCompletada,
} from '@combustible/shared';
import { chooseCustomer, nextArrivalDelay, type Random, targetMl } from './customer.js';
import { litrosDeMl, montoDe } from './money.js';
import { PriceRule } from './pricing.js';
import type { Customer, PriceVersion, PumpConfig, PumpMemory, PumpSink, PumpTiming } from './types.js';

export interface PumpDeps {
  /** The pump's own clock (chaos mode may skew it). */
  clock: Clock;
  random: Random;
  sink: PumpSink;
  timing: PumpTiming;
}

interface Sale {
  customer: Customer;
  precio: number;
  version: number;
  objetivoMl: number;
  ml: number;
  /** Real ms spent dispensing so far (paused time excluded). */
  dispensedMs: number;
  /** When dispensedMs was last brought up to date. */
  lastAt: number;
  startedAt: number;
  totalizadorInicioMl: number;
}

export const RESULTADO_OK = 'ok';

export class Pump {
  readonly id: number;
  private operacion: EstadoOperacion = 'disponible';
  private sale: Sale | null = null;
  private accepting = true;
  private nextArrivalAt: number;
  private lastEstadoAt = Number.NEGATIVE_INFINITY;
  private readonly prices: PriceRule;
  private readonly instancia: string;
  private secuencia: number;
  private totalizadorMl: number;
  private combustible: Combustible;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly sink: PumpSink;
  private readonly timing: PumpTiming;

  constructor(
    readonly config: PumpConfig,
    memory: PumpMemory,
    deps: PumpDeps,
  ) {
    this.id = config.id_surtidor;
    this.clock = deps.clock;
    this.random = deps.random;
    this.sink = deps.sink;
    this.timing = deps.timing;
    this.prices = new PriceRule(memory.precios);
    this.instancia = memory.instancia;
    this.secuencia = memory.secuencia;
    this.totalizadorMl = memory.totalizadorMl;
    this.combustible = config.combustible_actual;
    this.nextArrivalAt = this.arrivalAfter(this.clock.now());
  }

  // ── what the outside can read ──────────────────────────────────────────────────────────────

  get estadoOperacion(): EstadoOperacion {
    return this.operacion;
  }

  get dispensing(): boolean {
    return this.operacion === 'despachando';
  }

  /** A sale is in progress (dispensing, or held by a pause). */
  get hasSale(): boolean {
    return this.sale !== null;
  }

  get litrosActuales(): number {
    return this.sale ? litrosDeMl(this.sale.ml) : 0;
  }

  get combustibleActual(): Combustible {
    return this.combustible;
  }

  get priceVersion(): PriceVersion {
    return this.prices.current;
  }

  get pendingPrices(): PriceVersion | null {
    return this.prices.pending;
  }

  get memory(): PumpMemory {
    return {
      instancia: this.instancia,
      secuencia: this.secuencia,
      totalizadorMl: this.totalizadorMl,
      precios: this.prices.current,
    };
  }

  get acceptingCustomers(): boolean {
    return this.accepting;
  }

  // ── time passes ────────────────────────────────────────────────────────────────────────────

  /**
   * Advances the pump to `now` (the pump clock's time; the fleet reads it once for all pumps):
   * customers arrive, dispensing progresses, sales end.
   */
  tick(now: number = this.clock.now()): void {
    if (this.operacion === 'despachando') {
      if (this.settle(now)) return;
      if (now - this.lastEstadoAt >= this.timing.estadoIntervalMs) this.emitEstado(now);
      return;
    }
    if (this.operacion === 'disponible' && this.accepting && now >= this.nextArrivalAt) this.startSale(now);
  }

  // ── the station speaks ─────────────────────────────────────────────────────────────────────

  /** New prices: in force now when available, otherwise when the pump is available again. */
  offerPrices(prices: PriceVersion): void {
    const applied = this.prices.offer(prices, this.operacion === 'disponible');
    if (applied) this.announcePrices(applied);
  }

  /** Runs a command and answers `comando_ejecutado`. */
  command(comando: ComandoNombre, idComando: string): void {
    const now = this.clock.now();
    this.settle(now);
    let resultado = RESULTADO_OK;
    switch (comando) {
      case 'pausar':
        this.pause(now);
        break;
      case 'reanudar':
        if (this.operacion === 'pausado') this.resume(now);
        else resultado = `error: el surtidor no está pausado (${this.operacion})`;
        break;
      case 'detener_emergencia':
        this.emergencyStop(now);
        break;
      default:
        resultado = `error: comando no soportado (${comando})`;
    }
    this.sink.send({ tipo: 'comando_ejecutado', id_surtidor: this.id, id_comando: idComando, resultado });
  }

  /** `solicitud_estado`: answers with a fresh `estado`. */
  requestState(): void {
    const now = this.clock.now();
    this.settle(now);
    this.emitEstado(now);
  }

  // ── shutting down ──────────────────────────────────────────────────────────────────────────

  /** No new customers from now on; a sale in progress may finish. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Ends a sale in progress now, recording the litres dispensed as a `cancelada` sale. */
  cancelSale(): boolean {
    const now = this.clock.now();
    this.settle(now);
    if (!this.sale) return false;
    const wasDispensing = this.operacion === 'despachando';
    this.finish(now, 'cancelada');
    if (wasDispensing) this.becomeAvailable(now);
    else this.emitEstado(now);
    return true;
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  private arrivalAfter(now: number): number {
    return now + nextArrivalDelay(this.random, this.timing.meanIntervalMs) / this.timing.speed;
  }

  private startSale(now: number): void {
    const customer = chooseCustomer(this.random, this.config.combustibles_soportados);
    const current = this.prices.current;
    const precio = this.prices.priceOf(customer.combustible);
    this.sale = {
      customer,
      precio,
      version: current.version,
      objetivoMl: targetMl(customer.pedido, precio, this.config.configuracion.capacidad_maxima_litros),
      ml: 0,
      dispensedMs: 0,
      lastAt: now,
      startedAt: now,
      totalizadorInicioMl: this.totalizadorMl,
    };
    this.combustible = customer.combustible;
    this.operacion = 'despachando';
    this.emitEstado(now);
  }

  /** Brings dispensing up to `now`; true when that completed the sale. */
  private settle(now: number): boolean {
    const sale = this.sale;
    if (!sale || this.operacion !== 'despachando') return false;
    sale.dispensedMs += Math.max(0, now - sale.lastAt);
    sale.lastAt = now;
    const rate = this.config.configuracion.velocidad_despacho * this.timing.speed; // ml per real ms
    sale.ml = Math.min(sale.objetivoMl, Math.floor(rate * sale.dispensedMs));
    if (sale.ml < sale.objetivoMl) return false;
    this.finish(now, 'completada');
    this.becomeAvailable(now);
    return true;
  }

  /** Records the sale in progress (if anything was dispensed) and clears it. */
  private finish(now: number, estado: EstadoTransaccion): void {
    const sale = this.sale;
    if (!sale) return;
    this.sale = null;
    if (sale.ml <= 0) return; // nothing dispensed: no sale to record
    this.secuencia += 1;
    const litros = litrosDeMl(sale.ml);
    const tx: TransaccionCompletada = {
      tipo: 'transaccion_completada',
      id_surtidor: this.id,
      id_transaccion: `${this.id}-${this.instancia}-${this.secuencia}`,
      tipo_combustible: sale.customer.combustible,
      litros,
      precio_por_litro: sale.precio,
      monto_total: montoDe(litros, sale.precio),
      metodo_pago: sale.customer.metodo_pago,
      fecha_inicio: new Date(sale.startedAt).toISOString(),
      fecha_fin: new Date(now).toISOString(),
      estado,
      secuencia: this.secuencia,
      version_precios: sale.version,
      totalizador_inicio: litrosDeMl(sale.totalizadorInicioMl),
      totalizador_fin: litrosDeMl(sale.totalizadorInicioMl + sale.ml),
    };
    this.totalizadorMl = sale.totalizadorInicioMl + sale.ml;
    this.sink.sale(tx);
  }

  private becomeAvailable(now: number): void {
    this.operacion = 'disponible';
    this.emitEstado(now);
    const applied = this.prices.applyPending();
    if (applied) this.announcePrices(applied);
    this.nextArrivalAt = this.arrivalAfter(now);
  }

  private pause(now: number): void {
    if (this.operacion === 'pausado') return;
    this.operacion = 'pausado'; // a sale in progress is held as it is
    this.emitEstado(now);
  }

  private resume(now: number): void {
    if (this.sale) {
      this.sale.lastAt = now;
      this.operacion = 'despachando';
      this.emitEstado(now);
      return;
    }
    this.becomeAvailable(now);
  }

  private emergencyStop(now: number): void {
    this.finish(now, 'cancelada');
    this.operacion = 'pausado'; // locked until `reanudar`, as a real terminal after an emergency stop
    this.emitEstado(now);
  }

  private announcePrices(applied: PriceVersion): void {
    this.sink.pricesApplied?.(applied);
    this.sink.send({ tipo: 'precios_aplicados', id_surtidor: this.id, version: applied.version });
  }

  private emitEstado(now: number): void {
    this.lastEstadoAt = now;
    const sale = this.sale;
    const litros = sale ? litrosDeMl(sale.ml) : 0;
    this.sink.send({
      tipo: 'estado',
      id_surtidor: this.id,
      estado_operacion: this.operacion,
      litros_actuales: litros,
      monto_actual: sale ? montoDe(litros, sale.precio) : 0,
      tipo_combustible: this.combustible,
      timestamp: new Date(now).toISOString(),
    });
  }
}
