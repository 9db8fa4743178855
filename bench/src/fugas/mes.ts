/**
 * One simulated month of one tank, in process: the simulator's tank physics (surtidor's Tanque:
 * calibration chart, thermal expansion, daily temperature swing, deliveries that mix in at the
 * truck's temperature, probe noise, the leak) driven by a forecourt's sales, with the station's
 * detector run at the end of every day on what the station would have stored so far. Time is a
 * hand-driven clock, so a month takes milliseconds.
 */
import { detectarFugas, type EntradaTanque, type OpcionesDetector } from '@combustible/estacion';
import type { Clock } from '@combustible/shared';
import {
  chooseCustomer,
  cilindroParaCapacidad,
  litrosQueSalen,
  normal,
  type Random,
  seededRandom,
  Tanque,
  targetMl,
} from '@combustible/surtidor';

const HORA_MS = 3_600_000;
const DIA_MS = 24 * HORA_MS;
/** Monday 2026-01-05 00:00 UTC: the first simulated month starts here, each next one a day later. */
const INICIO = Date.parse('2026-01-05T00:00:00Z');

/** Relative customer arrivals by hour of the day (a city station open all night, quiet at 2–5 h). */
const PERFIL_HORARIO = [
  0.15, 0.08, 0.03, 0.02, 0.03, 0.2, 0.6, 1.2, 1.6, 1.2, 1.0, 1.0, 1.2, 1.2, 1.0, 1.0, 1.3, 1.7, 1.8, 1.4, 0.9, 0.6,
  0.4, 0.25,
];
const MEDIA_PERFIL = PERFIL_HORARIO.reduce((a, b) => a + b, 0) / 24;
/** Mean litres of one customer of chooseCustomer (40 % 5–50 L, 40 % $5 000–50 000 at $1 300/L, 20 % 15–70 L). */
const LITROS_POR_CLIENTE = 28;
/** Relative sales by weekday, Monday first. */
const PERFIL_SEMANAL = [0.95, 0.95, 1.0, 1.0, 1.15, 1.1, 0.85];

/** How noisy the world is: what the physics and the books get wrong besides the leak. */
export interface Escenario {
  nombre: string;
  /** Probe noise, standard deviations. */
  ruidoAlturaMm: number;
  ruidoTemperaturaC: number;
  /** Each nozzle's meter reads high by a uniform draw in ±this, percent. */
  errorMedidorPct: number;
  /** The delivery note's litres are off by a normal draw of this standard deviation, percent. */
  errorNotaPct: number;
  /** The gauge's chart is a cylinder this much bigger or smaller (uniform ±, percent): a miscalibration. */
  errorTablaPct: number;
  /** Daily swing of the tank's surroundings, °C (half peak to trough), drawn up to this. */
  amplitudMaxC: number;
}

export const ESCENARIOS: Record<string, Escenario> = {
  nominal: {
    nombre: 'nominal',
    ruidoAlturaMm: 0.5,
    ruidoTemperaturaC: 0.05,
    errorMedidorPct: 0.3,
    errorNotaPct: 0.2,
    errorTablaPct: 0,
    amplitudMaxC: 3,
  },
  adverso: {
    nombre: 'adverso',
    ruidoAlturaMm: 2,
    ruidoTemperaturaC: 0.2,
    errorMedidorPct: 0.5,
    errorNotaPct: 0.5,
    errorTablaPct: 1,
    amplitudMaxC: 6,
  },
};

export interface ParamsMes {
  semilla: number;
  fugaLh: number;
  dias: number;
  escenario: Escenario;
  /** Minutes between gauge readings. */
  lecturaCadaMin: number;
  detector?: OpcionesDetector;
  /** Hears the month's data at its end (to look at a month closely). */
  alTerminar?: (entrada: EntradaTanque, finMs: number) => void;
}

export interface ResultadoMes {
  fugaLh: number;
  /** Day (1-based, end of day) of the first FUGA_SOSPECHADA; null if none. */
  diaFuga: number | null;
  diaDiferencia: number | null;
  /** The detector's estimate on the last day it ran. */
  tasaEstimada: number | null;
  ventasLitros: number;
  descargas: number;
}

const entre = (random: Random, a: number, b: number) => a + (b - a) * random();

/** Poisson draw (Knuth; the means here are small). */
function poisson(random: Random, media: number): number {
  const limite = Math.exp(-media);
  let k = 0;
  let p = random();
  while (p > limite) {
    k++;
    p *= random();
  }
  return k;
}

class RelojMes implements Clock {
  t: number;
  constructor(t: number) {
    this.t = t;
  }
  now(): number {
    return this.t;
  }
  setTimeout(): never {
    throw new Error('el reloj del mes simulado no tiene temporizadores');
  }
  clearTimeout(): void {}
}

/** Simulates one month and runs the detector at the end of each day. */
export function simularMes(p: ParamsMes): ResultadoMes {
  const random = seededRandom(p.semilla);
  const e = p.escenario;
  const reloj = new RelojMes(INICIO + (p.semilla % 365) * DIA_MS);
  const inicio = reloj.t;
  const capacidad = 30_000;
  const tabla = cilindroParaCapacidad(capacidad);
  const errorTabla = entre(random, -e.errorTablaPct, e.errorTablaPct) / 100;
  const tanque = new Tanque(
    {
      combustible: '95',
      tabla,
      litrosIniciales: entre(random, 0.5, 0.85) * capacidad,
      clima: { mediaC: entre(random, 8, 26), amplitudC: entre(random, 0.5, e.amplitudMaxC), constanteTiempoH: 8 },
      fallas: { fugaLitrosHora: p.fugaLh },
      ruido: { alturaMm: e.ruidoAlturaMm, temperaturaC: e.ruidoTemperaturaC },
      ...(errorTabla !== 0 ? { tablaSonda: cilindroParaCapacidad(capacidad * (1 + errorTabla)) } : {}),
      pasoMaxMs: 5 * 60_000,
    },
    { clock: reloj, random },
  );
  const medidores = Array.from({ length: 4 }, () => entre(random, -e.errorMedidorPct, e.errorMedidorPct));
  const litrosDia = entre(random, 2_000, 4_500);
  const entrada = {
    id_tanque: 1,
    lecturas: [] as EntradaTanque['lecturas'][number][],
    ventas: [] as EntradaTanque['ventas'][number][],
    descargas: [] as EntradaTanque['descargas'][number][],
  };
  const resultado: ResultadoMes = {
    fugaLh: p.fugaLh,
    diaFuga: null,
    diaDiferencia: null,
    tasaEstimada: null,
    ventasLitros: 0,
    descargas: 0,
  };
  let descargaHasta = -Infinity;
  for (let hora = 0; hora < p.dias * 24; hora++) {
    const t0 = inicio + hora * HORA_MS;
    reloj.t = t0;
    const l = tanque.leer();
    // A delivery when the tank is low, in the day, not while one is under way.
    const horaDia = hora % 24;
    if (t0 > descargaHasta && horaDia >= 6 && horaDia <= 18 && l.litros < 0.3 * capacidad) {
      const litros = Math.floor((0.88 * capacidad - l.litros) / 1000) * 1000;
      const duracionMs = 40 * 60_000;
      tanque.iniciarDescarga({ litros, temperaturaC: entre(random, 5, 30), duracionMs });
      const nota = litros * (1 + (e.errorNotaPct / 100) * normal(random));
      entrada.descargas.push({ inicio: t0, fin: t0 + duracionMs, litros: nota });
      descargaHasta = t0 + duracionMs;
      resultado.descargas++;
    }
    // The hour's customers: Poisson, at uniform times; each draws from one of four nozzles.
    const dia = Math.floor(hora / 24);
    const semana = PERFIL_SEMANAL[(dia + Math.floor((t0 - INICIO) / DIA_MS)) % 7] as number;
    const porHora = ((litrosDia / 24) * (PERFIL_HORARIO[horaDia] as number) * semana) / MEDIA_PERFIL;
    const clientes = poisson(random, porHora / LITROS_POR_CLIENTE);
    const tiempos = Array.from({ length: clientes }, () => t0 + random() * HORA_MS).sort((a, b) => a - b);
    const cada = p.lecturaCadaMin * 60_000;
    let proxima = t0;
    const leerHasta = (t: number) => {
      for (; proxima < t; proxima += cada) {
        reloj.t = proxima;
        const x = proxima === t0 ? l : tanque.leer();
        entrada.lecturas.push({ timestamp: proxima, litros: x.litros, litros_15c: x.litros_15c });
      }
    };
    for (const t of tiempos) {
      leerHasta(t);
      reloj.t = t;
      const vendidos = Math.min(80, targetMl(chooseCustomer(random, ['95']).pedido, 1_300, 200) / 1000);
      const pct = medidores[Math.floor(random() * medidores.length)] as number;
      const salieron = tanque.extraer(litrosQueSalen(vendidos, pct));
      const litros = salieron * (1 + pct / 100);
      if (litros <= 0) continue;
      entrada.ventas.push({ fecha_fin: t, litros });
      resultado.ventasLitros += litros;
    }
    leerHasta(t0 + HORA_MS);
    if ((hora + 1) % 24 === 0) {
      // The day's closing reading (the next hour's first) is in before the end-of-day test.
      leerHasta(t0 + HORA_MS + 1);
      reloj.t = t0 + HORA_MS;
      const { evidencia, alertas } = detectarFugas(entrada, reloj, p.detector);
      resultado.tasaEstimada = evidencia?.tasa_fuga_l_h ?? resultado.tasaEstimada;
      const dia1 = dia + 1;
      if (alertas.some((a) => a.codigo === 'FUGA_SOSPECHADA')) resultado.diaFuga ??= dia1;
      if (alertas.some((a) => a.codigo === 'DIFERENCIA_INVENTARIO')) resultado.diaDiferencia ??= dia1;
      if (resultado.diaFuga !== null && p.fugaLh > 0) break;
    }
  }
  p.alTerminar?.(entrada, reloj.t);
  return resultado;
}
