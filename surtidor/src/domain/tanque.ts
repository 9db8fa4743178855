/**
 * Tank physics and the probe that measures it: a pure model (no I/O, no timers of its own, no
 * server code). Time comes from an injected clock (`{ now() }`, in simulated ms) and chance from an
 * injected random source, so a month of a tank runs in milliseconds and a seed replays it exactly.
 *
 * What is modelled:
 * - Geometry: a calibration chart, height (mm) ↔ litres, linear between points
 *   (`tablaCilindroHorizontal`, `cilindroParaCapacidad`, `litrosEnAltura`, `alturaDeLitros`).
 * - Stock: the product's volume corrected to 15 °C is the conserved quantity (it is the mass); the
 *   gross volume is that at the product's temperature, `bruto = neto × (1 + β (T − 15))`, with β
 *   `COEFICIENTES_EXPANSION` (0.00095/°C gasoline, 0.00083/°C diesel). Water lies under the product.
 * - Temperature: the tank's surroundings swing daily (`ClimaTanque`: mean, amplitude, hour of the
 *   peak, UTC); the product follows them with a time constant, and a delivery at another
 *   temperature mixes in by volume.
 * - Draws (`extraer`: litres that really left the tank, gross at the product's temperature),
 *   deliveries (`iniciarDescarga`: gross litres at the truck's temperature, over some minutes,
 *   stopping at the overfill level), and faults (`FallasTanque`): a leak of L litres per hour,
 *   theft (litres per day leaving through a nozzle in manual mode, no sale, in episodes), water
 *   ingress. A pump meter that reads x% high is the pump's fault, not the tank's: the litres that
 *   really left for a sale are `litrosQueSalen(litrosVendidos, porcentaje)`.
 * - The probe (`leer`): product height (the top of the liquid, water included, as ATG probes
 *   report it), water height, temperature, gross litres from the gauge's chart and litres at
 *   15 °C, with Gaussian noise (σ 0.5 mm height, σ 0.05 °C temperature by default) and the
 *   gauge's resolution (0.1 mm, 0.01 °C, 0.1 L).
 * - The truth (`estado`) and the books (`balance`): every litre in and out, net and gross, so
 *   `inicial + entregado = extraido + fugado + robado + actual` (net) holds exactly.
 *
 * Everything happens when asked: each public call first integrates the tank up to `clock.now()` in
 * steps of at most `pasoMaxMs` of simulated time.
 */
import type { Combustible } from '@combustible/shared';
import type { Random } from './customer.js';

/** One point of a calibration chart. */
export interface PuntoCalibracion {
  altura_mm: number;
  litros: number;
}

/** Height → litres, strictly increasing in both, from (0, 0) to (the tank's height, its capacity). */
export type TablaCalibracion = readonly PuntoCalibracion[];

/** Linear coefficients of thermal expansion (1/°C) by fuel. */
export const COEFICIENTES_EXPANSION: Readonly<Record<Combustible, number>> = {
  '93': 0.00095,
  '95': 0.00095,
  '97': 0.00095,
  diesel: 0.00083,
};

/** The reference temperature of net volumes. */
export const TEMPERATURA_REFERENCIA_C = 15;

const HORA_MS = 3_600_000;
const DIA_MS = 24 * HORA_MS;

/** Gross litres at `temperaturaC` of `litros15` litres at 15 °C. */
export function aTemperatura(litros15: number, temperaturaC: number, beta: number): number {
  return litros15 * (1 + beta * (temperaturaC - TEMPERATURA_REFERENCIA_C));
}

/** Litres at 15 °C of `litros` gross litres at `temperaturaC`. */
export function a15(litros: number, temperaturaC: number, beta: number): number {
  return litros / (1 + beta * (temperaturaC - TEMPERATURA_REFERENCIA_C));
}

/**
 * The chart of a horizontal cylinder (flat ends) of this diameter and length, in `pasos` equal
 * height steps: the area of the circular segment under height h times the length.
 */
export function tablaCilindroHorizontal(diametroMm: number, largoMm: number, pasos = 200): TablaCalibracion {
  if (!(diametroMm > 0 && largoMm > 0 && Number.isInteger(pasos) && pasos >= 2)) {
    throw new RangeError('cilindro: diámetro, largo y pasos deben ser positivos');
  }
  const r = diametroMm / 2;
  const tabla: PuntoCalibracion[] = [];
  for (let i = 0; i <= pasos; i++) {
    const h = (diametroMm * i) / pasos;
    const area = r * r * Math.acos((r - h) / r) - (r - h) * Math.sqrt(Math.max(0, 2 * r * h - h * h));
    tabla.push({ altura_mm: h, litros: (area * largoMm) / 1e6 });
  }
  return tabla;
}

/** The station's demo tanks (`estacion --tanques-demo`): 30 000 L horizontal cylinders 2.5 m across. */
export const CILINDRO_REFERENCIA = { capacidadLitros: 30_000, diametroMm: 2500 } as const;

/**
 * A horizontal cylinder holding `capacidadLitros`, with the proportions of CILINDRO_REFERENCIA
 * (length ≈ 2.44 diameters): at 30 000 L it is the station's demo tank, so a simulated gauge and
 * that station read the same litres at the same height.
 */
export function cilindroParaCapacidad(capacidadLitros: number, pasos = 200): TablaCalibracion {
  if (!(capacidadLitros > 0)) throw new RangeError('capacidad: debe ser positiva');
  const { capacidadLitros: c0, diametroMm: d0 } = CILINDRO_REFERENCIA;
  const diametroMm = d0 * Math.cbrt(capacidadLitros / c0);
  const r = diametroMm / 2;
  return tablaCilindroHorizontal(diametroMm, (capacidadLitros * 1e6) / (Math.PI * r * r), pasos);
}

function ultimo(tabla: TablaCalibracion): PuntoCalibracion {
  const p = tabla[tabla.length - 1];
  if (p === undefined) throw new RangeError('tabla de calibración vacía');
  return p;
}

export function capacidadDe(tabla: TablaCalibracion): number {
  return ultimo(tabla).litros;
}

export function alturaMaximaDe(tabla: TablaCalibracion): number {
  return ultimo(tabla).altura_mm;
}

/** Interpolates `x → y` over a chart sorted by x (clamped at both ends). */
function interpolar(tabla: TablaCalibracion, x: number, clave: 'altura_mm' | 'litros'): number {
  const otra = clave === 'altura_mm' ? 'litros' : 'altura_mm';
  const primero = tabla[0];
  const fin = ultimo(tabla);
  if (primero === undefined || x <= primero[clave]) return primero?.[otra] ?? 0;
  if (x >= fin[clave]) return fin[otra];
  let lo = 0;
  let hi = tabla.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((tabla[mid] as PuntoCalibracion)[clave] <= x) lo = mid;
    else hi = mid;
  }
  const a = tabla[lo] as PuntoCalibracion;
  const b = tabla[hi] as PuntoCalibracion;
  return a[otra] + ((x - a[clave]) * (b[otra] - a[otra])) / (b[clave] - a[clave]);
}

/** Litres below a height (the chart, linear between points). */
export function litrosEnAltura(tabla: TablaCalibracion, alturaMm: number): number {
  return interpolar(tabla, alturaMm, 'altura_mm');
}

/** The height of a volume (the chart read backwards). */
export function alturaDeLitros(tabla: TablaCalibracion, litros: number): number {
  return interpolar(tabla, litros, 'litros');
}

/** The litres that really left the tank for a sale whose meter reads `porcentaje` % high. */
export function litrosQueSalen(litrosVendidos: number, porcentaje: number): number {
  return litrosVendidos / (1 + porcentaje / 100);
}

/** The daily swing of the tank's surroundings, which the product follows. */
export interface ClimaTanque {
  mediaC: number;
  /** Half the peak-to-trough swing of the surroundings. */
  amplitudC: number;
  /** UTC hour of the warmest moment. */
  horaPico: number;
  /** How slowly the product follows the surroundings (an underground tank: hours). */
  constanteTiempoH: number;
}

export const CLIMA_POR_DEFECTO: ClimaTanque = { mediaC: 18, amplitudC: 3, horaPico: 16, constanteTiempoH: 8 };

/** The probe's noise (standard deviations) and resolution. */
export interface RuidoSonda {
  alturaMm: number;
  temperaturaC: number;
}

export const RUIDO_POR_DEFECTO: RuidoSonda = { alturaMm: 0.5, temperaturaC: 0.05 };

/** Faults to be detected; all default to 0 (none). */
export interface FallasTanque {
  /** Gross litres per hour leaking out while there is product. */
  fugaLitrosHora: number;
  /** Litres per day drawn through a nozzle in manual mode (no sale), in episodes. */
  roboLitrosDia: number;
  /** Litres of water per hour seeping in. */
  ingresoAguaLitrosHora: number;
}

export const SIN_FALLAS: FallasTanque = { fugaLitrosHora: 0, roboLitrosDia: 0, ingresoAguaLitrosHora: 0 };

/** Litres taken in one theft episode (less if the day's quota is smaller). */
export const LITROS_POR_EPISODIO_ROBO = 40;

/** A delivery stops when the liquid reaches this fraction of the capacity (overfill prevention). */
export const NIVEL_SOBRELLENADO = 0.95;

export interface OpcionesTanque {
  combustible: Combustible;
  tabla: TablaCalibracion;
  /** Gross litres of product at the start, at the initial temperature. */
  litrosIniciales: number;
  aguaLitrosIniciales?: number;
  /** Default: the surroundings' temperature at the start. */
  temperaturaInicialC?: number;
  clima?: Partial<ClimaTanque>;
  /** Default: `COEFICIENTES_EXPANSION[combustible]`. */
  beta?: number;
  fallas?: Partial<FallasTanque>;
  ruido?: Partial<RuidoSonda>;
  /** The chart the gauge computes litres with (default: the tank's own; a different one is a miscalibration). */
  tablaSonda?: TablaCalibracion;
  /** The longest integration step, in simulated ms (default one minute). */
  pasoMaxMs?: number;
}

export interface TanqueDeps {
  /** Simulated time. */
  clock: { now(): number };
  random: Random;
}

/** What the tank really holds right now. */
export interface EstadoTanque {
  instanteMs: number;
  /** Gross product litres at the product's temperature. */
  litros: number;
  litros15: number;
  aguaLitros: number;
  temperaturaC: number;
  /** The top of the liquid (product over water). */
  alturaProductoMm: number;
  alturaAguaMm: number;
  capacidadLitros: number;
  /** Liquid (product and water) over capacity, 0..1. */
  fraccionLlena: number;
  descargando: boolean;
}

/** What a probe reports (the wire's `lectura_tanque` without the ids and timestamp). */
export interface LecturaSonda {
  altura_producto_mm: number;
  altura_agua_mm: number;
  temperatura_c: number;
  litros: number;
  litros_15c: number;
}

/** The tank's books since it was built: net litres (at 15 °C), and gross as they happened. */
export interface BalanceTanque {
  inicial15: number;
  entregado15: number;
  extraido15: number;
  fugado15: number;
  robado15: number;
  actual15: number;
  entregadoLitros: number;
  extraidoLitros: number;
  fugadoLitros: number;
  robadoLitros: number;
  /** Deliveries that ended (complete or stopped at the overfill level). */
  descargas: number;
}

export interface Descarga {
  /** Gross litres at the truck's temperature. */
  litros: number;
  temperaturaC: number;
  /** Simulated ms over which the litres flow in (0: at once). */
  duracionMs: number;
}

interface DescargaEnCurso {
  restantes: number;
  porMs: number;
  temperaturaC: number;
}

function redondear(x: number, paso: number): number {
  return Math.round(x / paso) * paso;
}

/** A standard normal draw (Box–Muller) from a uniform source. */
export function normal(random: Random): number {
  const u = 1 - random(); // (0, 1]
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export class Tanque {
  readonly combustible: Combustible;
  readonly tabla: TablaCalibracion;
  readonly beta: number;
  readonly capacidadLitros: number;
  private readonly clima: ClimaTanque;
  private readonly ruido: RuidoSonda;
  private readonly tablaSonda: TablaCalibracion;
  private readonly pasoMaxMs: number;
  private fallas: FallasTanque;
  private instanteMs: number;
  private neto: number;
  private agua: number;
  private temperatura: number;
  private descarga: DescargaEnCurso | null = null;
  private proximoRoboMs: number | null = null;
  private readonly libro: BalanceTanque;

  constructor(
    opciones: OpcionesTanque,
    private readonly deps: TanqueDeps,
  ) {
    this.combustible = opciones.combustible;
    this.tabla = opciones.tabla;
    this.capacidadLitros = capacidadDe(opciones.tabla);
    this.beta = opciones.beta ?? COEFICIENTES_EXPANSION[opciones.combustible];
    this.clima = { ...CLIMA_POR_DEFECTO, ...opciones.clima };
    this.ruido = { ...RUIDO_POR_DEFECTO, ...opciones.ruido };
    this.tablaSonda = opciones.tablaSonda ?? opciones.tabla;
    this.pasoMaxMs = opciones.pasoMaxMs ?? 60_000;
    this.fallas = { ...SIN_FALLAS, ...opciones.fallas };
    this.instanteMs = deps.clock.now();
    this.temperatura = opciones.temperaturaInicialC ?? this.entornoC(this.instanteMs);
    this.agua = Math.max(0, opciones.aguaLitrosIniciales ?? 0);
    this.neto = a15(Math.max(0, opciones.litrosIniciales), this.temperatura, this.beta);
    this.libro = {
      inicial15: this.neto,
      entregado15: 0,
      extraido15: 0,
      fugado15: 0,
      robado15: 0,
      actual15: this.neto,
      entregadoLitros: 0,
      extraidoLitros: 0,
      fugadoLitros: 0,
      robadoLitros: 0,
      descargas: 0,
    };
    this.programarRobo();
  }

  /** The surroundings' temperature at an instant. */
  entornoC(instanteMs: number): number {
    const { mediaC, amplitudC, horaPico } = this.clima;
    const hora = (((instanteMs % DIA_MS) + DIA_MS) % DIA_MS) / HORA_MS;
    return mediaC + amplitudC * Math.cos((2 * Math.PI * (hora - horaPico)) / 24);
  }

  /** Changes the faults from now on (what happened so far stays). */
  cambiarFallas(fallas: Partial<FallasTanque>): void {
    this.avanzar();
    const roboAntes = this.fallas.roboLitrosDia;
    this.fallas = { ...this.fallas, ...fallas };
    if (this.fallas.roboLitrosDia !== roboAntes) this.programarRobo();
  }

  /**
   * Litres really leaving the tank through a pump (gross, at the product's temperature). Returns
   * what left: less if the tank holds less.
   */
  extraer(litros: number): number {
    this.avanzar();
    return this.sacar(litros, 'extraido');
  }

  /** A truck starts unloading (a delivery already in progress gets the new litres added). */
  iniciarDescarga(descarga: Descarga): void {
    this.avanzar();
    if (!(descarga.litros > 0)) return;
    if (descarga.duracionMs <= 0) {
      this.meter(descarga.litros, descarga.temperaturaC);
      this.libro.descargas += 1;
      return;
    }
    const restantes = (this.descarga?.restantes ?? 0) + descarga.litros;
    this.descarga = { restantes, porMs: restantes / descarga.duracionMs, temperaturaC: descarga.temperaturaC };
  }

  descargando(): boolean {
    this.avanzar();
    return this.descarga !== null;
  }

  estado(): EstadoTanque {
    this.avanzar();
    const litros = this.bruto();
    return {
      instanteMs: this.instanteMs,
      litros,
      litros15: this.neto,
      aguaLitros: this.agua,
      temperaturaC: this.temperatura,
      alturaProductoMm: alturaDeLitros(this.tabla, this.agua + litros),
      alturaAguaMm: alturaDeLitros(this.tabla, this.agua),
      capacidadLitros: this.capacidadLitros,
      fraccionLlena: Math.min(1, (this.agua + litros) / this.capacidadLitros),
      descargando: this.descarga !== null,
    };
  }

  balance(): BalanceTanque {
    this.avanzar();
    return { ...this.libro, actual15: this.neto };
  }

  /** A probe reading now: the true heights and temperature plus noise, volumes from the gauge's chart. */
  leer(): LecturaSonda {
    const e = this.estado();
    const { random } = this.deps;
    const alturaMax = alturaMaximaDe(this.tablaSonda);
    const ruidoso = (x: number): number =>
      Math.min(alturaMax, Math.max(0, redondear(x + this.ruido.alturaMm * normal(random), 0.1)));
    const aguaMm = e.aguaLitros > 0 ? ruidoso(e.alturaAguaMm) : 0;
    const productoMm = Math.max(aguaMm, ruidoso(e.alturaProductoMm));
    const temperatura = redondear(e.temperaturaC + this.ruido.temperaturaC * normal(random), 0.01);
    const litros = Math.max(0, litrosEnAltura(this.tablaSonda, productoMm) - litrosEnAltura(this.tablaSonda, aguaMm));
    return {
      altura_producto_mm: Number(productoMm.toFixed(1)),
      altura_agua_mm: Number(aguaMm.toFixed(1)),
      temperatura_c: Number(temperatura.toFixed(2)),
      litros: Number(litros.toFixed(1)),
      litros_15c: Number(a15(litros, temperatura, this.beta).toFixed(1)),
    };
  }

  private bruto(): number {
    return aTemperatura(this.neto, this.temperatura, this.beta);
  }

  /** Takes gross litres out (capped at what there is) and books them; returns what left. */
  private sacar(litros: number, cuenta: 'extraido' | 'fugado' | 'robado'): number {
    if (!(litros > 0)) return 0;
    const sale = Math.min(litros, this.bruto());
    const sale15 = Math.min(this.neto, a15(sale, this.temperatura, this.beta));
    this.neto -= sale15;
    this.libro[`${cuenta}15`] += sale15;
    this.libro[`${cuenta}Litros`] += sale;
    return sale;
  }

  /** Adds gross litres at a temperature (capped at the overfill level); returns what went in. */
  private meter(litros: number, temperaturaC: number): number {
    const espacio = Math.max(0, NIVEL_SOBRELLENADO * this.capacidadLitros - this.agua - this.bruto());
    const entra = Math.min(litros, espacio);
    if (entra <= 0) return 0;
    const entra15 = a15(entra, temperaturaC, this.beta);
    const total = this.neto + entra15;
    this.temperatura = (this.neto * this.temperatura + entra15 * temperaturaC) / total;
    this.neto = total;
    this.libro.entregado15 += entra15;
    this.libro.entregadoLitros += entra;
    return entra;
  }

  private programarRobo(): void {
    const porDia = this.fallas.roboLitrosDia;
    if (!(porDia > 0)) {
      this.proximoRoboMs = null;
      return;
    }
    const episodio = Math.min(LITROS_POR_EPISODIO_ROBO, porDia);
    const mediaMs = (DIA_MS * episodio) / porDia;
    this.proximoRoboMs = this.instanteMs + -Math.log(1 - this.deps.random()) * mediaMs;
  }

  /** Integrates up to the clock's now. */
  private avanzar(): void {
    const hasta = this.deps.clock.now();
    while (this.instanteMs < hasta) {
      const dt = Math.min(this.pasoMaxMs, hasta - this.instanteMs);
      this.paso(dt);
      this.instanteMs += dt;
      while (this.proximoRoboMs !== null && this.proximoRoboMs <= this.instanteMs) {
        this.sacar(Math.min(LITROS_POR_EPISODIO_ROBO, this.fallas.roboLitrosDia), 'robado');
        this.programarRobo();
      }
    }
  }

  private paso(dtMs: number): void {
    const entorno = this.entornoC(this.instanteMs + dtMs / 2);
    const tau = this.clima.constanteTiempoH * HORA_MS;
    this.temperatura = entorno + (this.temperatura - entorno) * Math.exp(-dtMs / Math.max(1, tau));
    const horas = dtMs / HORA_MS;
    if (this.fallas.fugaLitrosHora > 0) this.sacar(this.fallas.fugaLitrosHora * horas, 'fugado');
    if (this.fallas.ingresoAguaLitrosHora > 0) {
      const espacio = Math.max(0, this.capacidadLitros - this.agua - this.bruto());
      this.agua += Math.min(espacio, this.fallas.ingresoAguaLitrosHora * horas);
    }
    const d = this.descarga;
    if (d !== null) {
      const litros = Math.min(d.restantes, d.porMs * dtMs);
      const entro = this.meter(litros, d.temperaturaC);
      d.restantes -= litros;
      if (d.restantes <= 1e-9 || entro < litros) {
        this.descarga = null;
        this.libro.descargas += 1;
      }
    }
  }
}
