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
 *
 * In `prepago` mode (the station's `modo_autorizacion`, or the pump's initial mode) a customer
 * lifts the nozzle and waits for the station:
 *
 *   disponible ──customer──▶ esperando_autorizacion ──autorizar──▶ autorizado ──customer starts──▶
 *       despachando (id_autorizacion) ──preset reached, or the customer stops──▶ disponible
 *   esperando_autorizacion ──customer hangs up──▶ disponible (no sale)
 *   autorizado ──vence_en_ms passes, or cancelar_autorizacion──▶ disponible (no sale)
 *
 * `autorizar` on a `disponible` pump pre-authorizes it: the customer who paid comes at once.
 * A pause holds a waiting customer and an authorization as it holds a sale (their customer's
 * deadlines move by the paused time, the authorization's expiry does not); an emergency stop
 * drops them.
 */
import {
  type Capacidad,
  type Clock,
  type Combustible,
  type Comando,
  type ComandoNombre,
  type EstadoOperacion,
  type EstadoTransaccion,
  type LimiteAutorizacion,
  type ModoAutorizacion,
  type TransaccionCompletada,
} from '@combustible/shared';
import { chooseCustomer, nextArrivalDelay, prepaidHabits, presetMl, type Random, targetMl } from './customer.js';
import { litrosDeMl, montoDe } from './money.js';
import { PriceRule } from './pricing.js';
import {
  type AuthorizationCounters,
  type AuthorizationOptions,
  type Customer,
  emptyAuthorizationCounters,
  type PrepaidHabits,
  type PriceVersion,
  type PumpConfig,
  type PumpMemory,
  type PumpSink,
  type PumpTiming,
} from './types.js';

export interface PumpDeps {
  /** The pump's own clock (chaos mode may skew it). */
  clock: Clock;
  random: Random;
  sink: PumpSink;
  timing: PumpTiming;
  /** Default: postpago, waiting for the station's authorizations. */
  authorization?: AuthorizationOptions;
}

/** The arguments of `autorizar` and `cancelar_autorizacion` (as the wire carries them). */
export type AuthorizationArgs = Partial<Pick<Comando, 'id_autorizacion' | 'limite' | 'combustibles' | 'vence_en_ms'>>;

/** What the pump declares in `registro.capacidades`. */
export const CAPACIDADES_SURTIDOR: readonly Capacidad[] = ['autorizacion'];

/** An authorization not started within this many ms (pump clock) is dropped, when `autorizar` names no `vence_en_ms`. */
export const VENCE_POR_DEFECTO_MS = 120_000;
/** Simulated ms between the authorization and the customer squeezing the trigger. */
export const INICIO_CLIENTE_MS = 3000;
/** Simulated ms a customer takes to pay before a pump with --autorizar-solo authorizes them. */
export const PAGO_CLIENTE_MS = 10_000;

interface Authorization {
  id: string;
  limite: LimiteAutorizacion;
  /** When the pump drops it if dispensing has not started (pump clock; not moved by a pause). */
  expiresAt: number;
  /** When the customer starts dispensing (moved by a pause). */
  startsAt: number;
}

/** A customer at a prepaid pump, nozzle lifted, not dispensing yet. */
interface Waiting {
  customer: Customer;
  habits: PrepaidHabits;
  /** When they hang up if still not authorized (Infinity: never). */
  leavesAt: number;
  /** When the pump authorizes them itself (--autorizar-solo; otherwise Infinity). */
  selfAuthorizeAt: number;
  authorization: Authorization | null;
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
  /** The authorization the sale is dispensed under (prepago). */
  idAutorizacion?: string;
}

export const RESULTADO_OK = 'ok';
/** How many granted authorization ids a pump remembers (to refuse one sent again after its sale). */
const GRANTED_REMEMBERED = 32;

export class Pump {
  readonly id: number;
  private operacion: EstadoOperacion = 'disponible';
  private sale: Sale | null = null;
  private waiting: Waiting | null = null;
  private modo: ModoAutorizacion;
  private readonly selfAuthorize: boolean;
  /** The last authorizations granted: each serves one customer, so a repeated `autorizar` of one is refused. */
  private readonly granted: string[] = [];
  private pausedAt = 0;
  private readonly authCounters: AuthorizationCounters = emptyAuthorizationCounters();
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
    this.modo = deps.authorization?.modo ?? 'postpago';
    this.selfAuthorize = deps.authorization?.selfAuthorize ?? false;
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

  get modoAutorizacion(): ModoAutorizacion {
    return this.modo;
  }

  get capacidades(): Capacidad[] {
    return [...CAPACIDADES_SURTIDOR];
  }

  /** What this pump counted about authorizations (live: read, do not keep). */
  get authorizationCounters(): Readonly<AuthorizationCounters> {
    return this.authCounters;
  }

  /** The authorization open at this pump (authorized, or dispensing or held under it). */
  get idAutorizacion(): string | undefined {
    return this.sale ? this.sale.idAutorizacion : this.waiting?.authorization?.id;
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
    switch (this.operacion) {
      case 'despachando':
        if (this.settle(now)) return;
        if (now - this.lastEstadoAt >= this.timing.estadoIntervalMs) this.emitEstado(now);
        return;
      case 'disponible':
        if (!this.accepting || now < this.nextArrivalAt) return;
        if (this.modo === 'prepago') this.customerWaits(now, this.config.combustibles_soportados, true);
        else this.startSale(now);
        return;
      case 'esperando_autorizacion':
        this.tickWaiting(now);
        return;
      case 'autorizado':
        this.tickAuthorized(now);
        return;
      case 'pausado':
        return;
    }
  }

  // ── the station speaks ─────────────────────────────────────────────────────────────────────

  /** New prices: in force now when available, otherwise when the pump is available again. */
  offerPrices(prices: PriceVersion): void {
    const applied = this.prices.offer(prices, this.operacion === 'disponible');
    if (applied) this.announcePrices(applied);
  }

  /**
   * The station's authorization mode for this pump (it overrides the initial one). A customer
   * waiting for an authorization when the pump turns postpago is served at once. True when the
   * mode changed.
   */
  setMode(modo: ModoAutorizacion): boolean {
    if (modo === this.modo) return false;
    this.modo = modo;
    const now = this.clock.now();
    if (modo === 'postpago' && this.operacion === 'esperando_autorizacion') this.serveWaitingPostpaid(now);
    return true;
  }

  /** Runs a command and answers `comando_ejecutado`. */
  command(comando: ComandoNombre, idComando: string, args: AuthorizationArgs = {}): void {
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
      case 'autorizar':
        this.authCounters.recibidas += 1;
        resultado = this.authorize(now, args);
        if (resultado !== RESULTADO_OK) this.authCounters.rechazadas += 1;
        break;
      case 'cancelar_autorizacion':
        resultado = this.cancelAuthorization(now, args.id_autorizacion);
        break;
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

  /**
   * No new customers from now on; a sale in progress may finish. A customer waiting for an
   * authorization, or authorized but not dispensing yet, is sent away (the authorization dropped).
   */
  stopAccepting(): void {
    this.accepting = false;
    if (this.operacion === 'esperando_autorizacion' || this.operacion === 'autorizado') {
      this.waiting = null;
      this.becomeAvailable(this.clock.now());
    } else if (!this.sale) this.waiting = null;
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
    this.dispense(now, chooseCustomer(this.random, this.config.combustibles_soportados), null);
  }

  /**
   * The customer starts dispensing: up to what they asked for (postpago), or up to the preset of
   * the authorization (or where they stop early).
   */
  private dispense(now: number, customer: Customer, prepaid: { waiting: Waiting; auth: Authorization } | null): void {
    const current = this.prices.current;
    const precio = this.prices.priceOf(customer.combustible);
    const capacidad = this.config.configuracion.capacidad_maxima_litros;
    let objetivoMl: number;
    if (prepaid) {
      const { limite } = prepaid.auth;
      const preset = presetMl(limite, customer.pedido, precio, capacidad);
      const corte = prepaid.waiting.habits.corteEn;
      objetivoMl = corte !== null && limite.tipo !== 'lleno' ? Math.max(1, Math.floor(preset * corte)) : preset;
      objetivoMl = Math.min(objetivoMl, preset);
    } else objetivoMl = targetMl(customer.pedido, precio, capacidad);
    this.sale = {
      customer,
      precio,
      version: current.version,
      objetivoMl,
      ml: 0,
      dispensedMs: 0,
      lastAt: now,
      startedAt: now,
      totalizadorInicioMl: this.totalizadorMl,
      ...(prepaid ? { idAutorizacion: prepaid.auth.id } : {}),
    };
    this.waiting = null;
    this.combustible = customer.combustible;
    this.operacion = 'despachando';
    this.emitEstado(now);
  }

  // ── prepago ────────────────────────────────────────────────────────────────────────────────

  /** A customer lifts the nozzle of a prepaid pump (choosing among `fuels`) and waits. */
  private customerWaits(now: number, fuels: readonly Combustible[], announce: boolean): Waiting {
    const customer = chooseCustomer(this.random, fuels);
    const habits = prepaidHabits(this.random);
    const speed = this.timing.speed;
    const waiting: Waiting = {
      customer,
      habits,
      leavesAt: habits.abandonaTrasMs === null ? Number.POSITIVE_INFINITY : now + habits.abandonaTrasMs / speed,
      selfAuthorizeAt: this.selfAuthorize ? now + PAGO_CLIENTE_MS / speed : Number.POSITIVE_INFINITY,
      authorization: null,
    };
    this.waiting = waiting;
    this.combustible = customer.combustible;
    this.operacion = 'esperando_autorizacion';
    if (announce) this.emitEstado(now);
    return waiting;
  }

  /** Waiting: the customer hangs up, or (--autorizar-solo) the pump authorizes them, whichever comes first. */
  private tickWaiting(now: number): void {
    const w = this.waiting;
    if (!w) return;
    if (now < w.leavesAt && now < w.selfAuthorizeAt) return;
    if (w.leavesAt <= w.selfAuthorizeAt) {
      this.authCounters.abandonos += 1;
      this.waiting = null;
      this.becomeAvailable(now);
      return;
    }
    this.authCounters.propias += 1;
    this.grant(now, w, {
      id: `auto-${this.id}-${this.instancia}-${now.toString(36)}`,
      limite: limiteDelPedido(w.customer),
    });
    this.emitEstado(now);
  }

  /** Authorized: the customer starts dispensing, or the authorization expires, whichever comes first. */
  private tickAuthorized(now: number): void {
    const w = this.waiting;
    const auth = w?.authorization;
    if (!w || !auth) return;
    if (now < auth.startsAt && now < auth.expiresAt) return;
    if (auth.startsAt < auth.expiresAt) {
      this.dispense(now, w.customer, { waiting: w, auth });
      return;
    }
    this.authCounters.vencidas += 1;
    this.waiting = null;
    this.becomeAvailable(now);
  }

  private grant(now: number, w: Waiting, a: { id: string; limite: LimiteAutorizacion; venceEnMs?: number }): void {
    this.granted.push(a.id);
    if (this.granted.length > GRANTED_REMEMBERED) this.granted.shift();
    w.authorization = {
      id: a.id,
      limite: a.limite,
      expiresAt: now + (a.venceEnMs ?? VENCE_POR_DEFECTO_MS),
      startsAt: now + INICIO_CLIENTE_MS / this.timing.speed,
    };
    this.operacion = 'autorizado';
  }

  /** `autorizar`: the answer (ok or an error text). */
  private authorize(now: number, args: AuthorizationArgs): string {
    const { id_autorizacion: id, limite } = args;
    if (id === undefined || limite === undefined) return 'error: autorizar lleva id_autorizacion y limite';
    if (this.modo !== 'prepago') return 'error: el surtidor está en modo postpago';
    const open = this.idAutorizacion;
    if (open !== undefined) {
      // The same command again (a retry) changes nothing.
      if (open !== id) return `error: hay otra autorización abierta (${open})`;
      if (this.operacion === 'autorizado') return RESULTADO_OK;
      return `error: la autorización ${id} ya está en curso (${this.operacion})`;
    }
    // Late or repeated (the station resent it before hearing of the sale): it served its customer.
    if (this.granted.includes(id)) return `error: la autorización ${id} ya se usó`;
    if (this.operacion !== 'esperando_autorizacion' && this.operacion !== 'disponible') {
      return `error: el surtidor no espera autorización (${this.operacion})`;
    }
    if (!this.accepting) return 'error: el surtidor se está deteniendo';
    const allowed = args.combustibles ?? this.config.combustibles_soportados;
    const fuels = this.config.combustibles_soportados.filter((c) => allowed.includes(c));
    let w = this.waiting;
    if (w) {
      if (!fuels.includes(w.customer.combustible)) {
        return `error: el cliente eligió ${w.customer.combustible}; autorizados: ${allowed.join(', ')}`;
      }
    } else {
      if (fuels.length === 0) return `error: el surtidor no vende ${allowed.join(', ')}`;
      w = this.customerWaits(now, fuels, false); // pre-authorized: the customer who paid comes now
    }
    this.grant(now, w, { id, limite, ...(args.vence_en_ms === undefined ? {} : { venceEnMs: args.vence_en_ms }) });
    this.emitEstado(now);
    return RESULTADO_OK;
  }

  /** `cancelar_autorizacion`: only before fuel flows (then the station stops it with pausar/detener_emergencia). */
  private cancelAuthorization(now: number, id: string | undefined): string {
    const open = this.idAutorizacion;
    if (open === undefined || open !== id) {
      return `error: no hay una autorización abierta con id ${id ?? '(falta)'}${open === undefined ? '' : ` (abierta: ${open})`}`;
    }
    if (this.sale)
      return 'error: el surtidor ya despacha bajo esa autorización; deténgalo con pausar o detener_emergencia';
    this.authCounters.canceladas += 1;
    this.waiting = null; // the customer hangs up
    if (this.operacion === 'pausado') this.emitEstado(now);
    else this.becomeAvailable(now);
    return RESULTADO_OK;
  }

  /** The pump turned postpago while a customer waited: they dispense at once, as any postpaid customer. */
  private serveWaitingPostpaid(now: number): void {
    const w = this.waiting;
    if (!w || w.authorization) return;
    this.dispense(now, w.customer, null);
  }

  /** Brings dispensing up to `now`; true when that completed the sale. */
  private settle(now: number): boolean {
    const sale = this.sale;
    if (!sale || this.operacion !== 'despachando') return false;
    sale.dispensedMs += Math.max(0, now - sale.lastAt);
    sale.lastAt = now;
    const rate = this.config.configuracion.velocidad_despacho * this.timing.speed; // ml per real ms
    const before = sale.ml;
    sale.ml = Math.min(sale.objetivoMl, Math.floor(rate * sale.dispensedMs));
    if (sale.ml > before) this.sink.dispensed?.(sale.customer.combustible, sale.ml - before);
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
      ...(sale.idAutorizacion === undefined ? {} : { id_autorizacion: sale.idAutorizacion }),
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
    this.operacion = 'pausado'; // a sale in progress (or a waiting customer) is held as it is
    this.pausedAt = now;
    this.emitEstado(now);
  }

  private resume(now: number): void {
    if (this.sale) {
      this.sale.lastAt = now;
      this.operacion = 'despachando';
      this.emitEstado(now);
      return;
    }
    const w = this.waiting;
    if (w) {
      // The customer's own deadlines move by the time held; the authorization's expiry does not.
      const held = Math.max(0, now - this.pausedAt);
      w.leavesAt += held;
      w.selfAuthorizeAt += held;
      if (w.authorization) w.authorization.startsAt += held;
      this.operacion = w.authorization ? 'autorizado' : 'esperando_autorizacion';
      if (!w.authorization && this.modo === 'postpago') this.serveWaitingPostpaid(now);
      else this.emitEstado(now);
      return;
    }
    this.becomeAvailable(now);
  }

  private emergencyStop(now: number): void {
    this.finish(now, 'cancelada');
    this.waiting = null; // a waiting or authorized customer is sent away, the authorization dropped
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
    const idAutorizacion = this.idAutorizacion;
    this.sink.send({
      tipo: 'estado',
      id_surtidor: this.id,
      estado_operacion: this.operacion,
      litros_actuales: litros,
      monto_actual: sale ? montoDe(litros, sale.precio) : 0,
      tipo_combustible: this.combustible,
      timestamp: new Date(now).toISOString(),
      ...(idAutorizacion === undefined ? {} : { id_autorizacion: idAutorizacion }),
    });
  }
}

/** --autorizar-solo: the preset is what the customer asked for. */
function limiteDelPedido(c: Customer): LimiteAutorizacion {
  switch (c.pedido.tipo) {
    case 'monto':
      return { tipo: 'monto', valor: c.pedido.monto };
    case 'litros':
      return { tipo: 'litros', valor: c.pedido.litros };
    case 'lleno':
      return { tipo: 'lleno' };
  }
}
