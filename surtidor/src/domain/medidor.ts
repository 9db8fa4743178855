/**
 * A simulated gauge console (ATG): the tanks of the simulated fuels (the physics of `tanque.ts`),
 * what the pumps draw from them, truck deliveries when a tank runs low, and when each tank's probe
 * reading is due (every `intervaloLecturasMs` of simulated time, and when the level moved
 * `cambioLecturaMm` since the last reading sent). Pure: time from the injected clock (the pumps'
 * real time; the tanks run on simulated time, `speed` times faster, as the pumps' customers do),
 * chance from the injected random source. The link sends what `lecturasDebidas` returns.
 */
import type { Clock, Combustible, LecturaTanque } from '@combustible/shared';
import type { Random } from './customer.js';
import { CLIMA_POR_DEFECTO, cilindroParaCapacidad, Tanque } from './tanque.js';

export interface TankSetup {
  id_tanque: number;
  combustible: Combustible;
  capacidadLitros: number;
  /** Faults (0: none). */
  fugaLitrosHora: number;
  roboLitrosDia: number;
}

export interface DeliveryPolicy {
  /** A delivery is ordered when the liquid falls below this fraction of the capacity… */
  nivel: number;
  /** …of these litres (gross, at the truck's temperature; the tank takes at most up to its overfill level)… */
  litros: number;
  /** …flowing in over this simulated time. */
  duracionMs: number;
}

export interface GaugeOptions {
  id_medidor: number;
  tanques: TankSetup[];
  /** Simulated ms between two readings of a tank. */
  intervaloLecturasMs: number;
  /** A reading also goes out when the true level moved this many mm since the last one sent. */
  cambioLecturaMm: number;
  /** Simulated time runs this many times faster than real time. */
  speed: number;
  descargas: DeliveryPolicy | null;
  /** Fraction of each tank's capacity full at the start (default 0.6). */
  nivelInicial?: number;
}

export type GaugeEvent =
  | { tipo: 'descarga_pedida'; id_tanque: number; llegaEnMs: number }
  | { tipo: 'descarga_iniciada'; id_tanque: number; litros: number; temperaturaC: number }
  | { tipo: 'tanque_vacio'; id_tanque: number; faltaronLitros: number };

export interface GaugeDeps {
  /** Real time (the pumps' clock): reading timestamps. */
  clock: Clock;
  random: Random;
  /** Things worth a log line. */
  onEvent?: (event: GaugeEvent) => void;
}

/** A truck arrives this long (simulated) after the order, at random in between. */
const ENTREGA_MIN_MS = 15 * 60_000;
const ENTREGA_MAX_MS = 60 * 60_000;
/** The truck's product is this much warmer or colder than the tank's surroundings, at random in between. */
const DIFERENCIA_CAMION_MIN_C = 3;
const DIFERENCIA_CAMION_MAX_C = 8;

interface GaugeTank {
  setup: TankSetup;
  tanque: Tanque;
  /** Simulated ms of the last reading sent (−∞: none yet). */
  ultimaEnviadaSim: number;
  ultimaAlturaMm: number;
  ultimaLectura: LecturaTanque | null;
  lecturas: number;
  /** Simulated ms when an ordered truck arrives. */
  llegaDescargaSim: number | null;
  /** Litres the pumps asked for that were not there. */
  faltantes: number;
  vacio: boolean;
}

/** What the table and the `resumen` show of one tank. */
export interface TankStats {
  id_tanque: number;
  combustible: Combustible;
  capacidad: number;
  /** The truth: gross litres, at 15 °C, percentage full, product temperature. */
  litros: number;
  litros_15c: number;
  porcentaje: number;
  temperatura_c: number;
  descargando: boolean;
  descargas: number;
  /** Litres the pumps drew (what really left for the sales), leaked and stolen. */
  extraidos: number;
  fugados: number;
  robados: number;
  /** Litres the pumps asked for but the tank did not have. */
  faltantes: number;
  lecturas: number;
  ultima_lectura: LecturaTanque | null;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export class Gauge {
  readonly id: number;
  private readonly tanks = new Map<number, GaugeTank>();
  private readonly byFuel = new Map<Combustible, GaugeTank>();
  private readonly origin: number;
  /** Simulated time: the tanks' clock. */
  private readonly simClock: { now(): number };

  constructor(
    private readonly options: GaugeOptions,
    private readonly deps: GaugeDeps,
  ) {
    this.id = options.id_medidor;
    this.origin = deps.clock.now();
    this.simClock = { now: () => this.origin + (deps.clock.now() - this.origin) * options.speed };
    const nivel = options.nivelInicial ?? 0.6;
    for (const setup of options.tanques) {
      const tanque = new Tanque(
        {
          combustible: setup.combustible,
          tabla: cilindroParaCapacidad(setup.capacidadLitros),
          litrosIniciales: nivel * setup.capacidadLitros,
          fallas: { fugaLitrosHora: setup.fugaLitrosHora, roboLitrosDia: setup.roboLitrosDia },
        },
        { clock: this.simClock, random: deps.random },
      );
      const tank: GaugeTank = {
        setup,
        tanque,
        ultimaEnviadaSim: Number.NEGATIVE_INFINITY,
        ultimaAlturaMm: 0,
        ultimaLectura: null,
        lecturas: 0,
        llegaDescargaSim: null,
        faltantes: 0,
        vacio: false,
      };
      this.tanks.set(setup.id_tanque, tank);
      this.byFuel.set(setup.combustible, tank);
    }
  }

  /** The tank ids, in registration order. */
  get idsTanques(): number[] {
    return [...this.tanks.keys()];
  }

  tanque(id: number): Tanque | undefined {
    return this.tanks.get(id)?.tanque;
  }

  /**
   * Litres that really left through a pump of this fuel (after any meter error). No tank for the
   * fuel: nothing to draw from (the gauge does not measure it).
   */
  draw(combustible: Combustible, litros: number): void {
    const tank = this.byFuel.get(combustible);
    if (!tank || !(litros > 0)) return;
    const sale = tank.tanque.extraer(litros);
    const falta = litros - sale;
    if (falta > 1e-9) {
      tank.faltantes += falta;
      if (!tank.vacio) {
        tank.vacio = true;
        this.deps.onEvent?.({ tipo: 'tanque_vacio', id_tanque: tank.setup.id_tanque, faltaronLitros: falta });
      }
    }
  }

  /** Time passes: low tanks order a truck, trucks that arrived start unloading. */
  tick(): void {
    const policy = this.options.descargas;
    if (!policy) return;
    const now = this.simClock.now();
    for (const tank of this.tanks.values()) {
      const t = tank.tanque;
      if (tank.llegaDescargaSim !== null) {
        if (now < tank.llegaDescargaSim) continue;
        tank.llegaDescargaSim = null;
        const { random } = this.deps;
        const diferencia = DIFERENCIA_CAMION_MIN_C + random() * (DIFERENCIA_CAMION_MAX_C - DIFERENCIA_CAMION_MIN_C);
        const temperaturaC = CLIMA_POR_DEFECTO.mediaC + (random() < 0.5 ? -diferencia : diferencia);
        t.iniciarDescarga({ litros: policy.litros, temperaturaC, duracionMs: policy.duracionMs });
        tank.vacio = false;
        this.deps.onEvent?.({
          tipo: 'descarga_iniciada',
          id_tanque: tank.setup.id_tanque,
          litros: policy.litros,
          temperaturaC: round1(temperaturaC),
        });
        continue;
      }
      const e = t.estado();
      if (e.descargando || e.fraccionLlena >= policy.nivel) continue;
      const espera = ENTREGA_MIN_MS + this.deps.random() * (ENTREGA_MAX_MS - ENTREGA_MIN_MS);
      tank.llegaDescargaSim = now + espera;
      this.deps.onEvent?.({
        tipo: 'descarga_pedida',
        id_tanque: tank.setup.id_tanque,
        llegaEnMs: Math.ceil(espera / this.options.speed),
      });
    }
  }

  /**
   * The readings due now (at most one per tank): every tank when `todas` (just registered), else
   * those whose interval passed or whose level moved enough. They count as sent.
   */
  lecturasDebidas(todas = false): LecturaTanque[] {
    const now = this.simClock.now();
    const timestamp = new Date(this.deps.clock.now()).toISOString(); // one instant for the round
    const out: LecturaTanque[] = [];
    for (const tank of this.tanks.values()) {
      const t = tank.tanque;
      const due =
        todas ||
        now - tank.ultimaEnviadaSim >= this.options.intervaloLecturasMs ||
        Math.abs(t.estado().alturaProductoMm - tank.ultimaAlturaMm) >= this.options.cambioLecturaMm;
      if (!due) continue;
      const lectura: LecturaTanque = {
        tipo: 'lectura_tanque',
        id_medidor: this.id,
        id_tanque: tank.setup.id_tanque,
        timestamp,
        ...t.leer(),
      };
      tank.ultimaEnviadaSim = now;
      tank.ultimaAlturaMm = t.estado().alturaProductoMm;
      tank.ultimaLectura = lectura;
      tank.lecturas += 1;
      out.push(lectura);
    }
    return out;
  }

  stats(): TankStats[] {
    return [...this.tanks.values()].map((tank) => {
      const e = tank.tanque.estado();
      const b = tank.tanque.balance();
      return {
        id_tanque: tank.setup.id_tanque,
        combustible: tank.setup.combustible,
        capacidad: tank.setup.capacidadLitros,
        litros: round1(e.litros),
        litros_15c: round1(e.litros15),
        porcentaje: round1((100 * e.litros) / e.capacidadLitros),
        temperatura_c: round1(e.temperaturaC),
        descargando: e.descargando,
        descargas: b.descargas,
        extraidos: round1(b.extraidoLitros),
        fugados: round1(b.fugadoLitros),
        robados: round1(b.robadoLitros),
        faltantes: round1(tank.faltantes),
        lecturas: tank.lecturas,
        ultima_lectura: tank.ultimaLectura,
      };
    });
  }
}
