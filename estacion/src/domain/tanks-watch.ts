/**
 * What the station watches on each tank (issue 14), pure with an injected time (`ms` arguments):
 * deliveries detected from the readings, low level, high water, a probe that stopped reporting and
 * a product about to run out at the current sales rate. One TankWatch per tank; the service feeds
 * it readings and sales and acts on what it answers (store a `descarga`, raise or resolve alerts).
 *
 * Delivery detection. Gauges are noisy (a few litres, more with temperature swings), and the level
 * falls while pumps sell. The level used is the median of the last MEDIANA readings (one outlier
 * never moves it). A delivery starts when that level stands more than `descargaMinLitros` above
 * its lowest point of the last `ventanaMs` (a rise no noise or sale produces); it began at that
 * lowest point. It ends once the level has not made a new high (beyond noise) for `ventanaMs`:
 * it ended at that high. The litres delivered are the rise plus what the tank's pumps sold from
 * start to end (sales continue during a delivery).
 */
import type { StationAlertCode } from './alert-codes.js';
import type { Tanque } from './tanks.js';

export interface TankWatchOptions {
  /** A rise of the level beyond this many litres within ventanaMs is a delivery. */
  descargaMinLitros: number;
  /** The window of delivery detection (start and end). */
  ventanaMs: number;
  /** A probe silent for this many times its own reading interval is reported (TANQUE_SIN_LECTURAS). */
  silencioIntervalos: number;
  /** --horas-autonomia: product that runs out within this many hours at the current rate is reported. */
  horasAutonomia: number;
  /** The sales rate is taken over this last period. */
  ventanaVentasMs: number;
}

export const DEFAULT_TANK_WATCH: TankWatchOptions = {
  descargaMinLitros: 300,
  ventanaMs: 10 * 60_000,
  silencioIntervalos: 5,
  horasAutonomia: 12,
  ventanaVentasMs: 3_600_000,
};

/** Readings the level's median is taken over. */
const MEDIANA = 5;
/** Readings kept for the window (bounded whatever the gauge's rate). */
const MAX_PUNTOS = 2000;
/** Reading intervals the probe's own interval is estimated from. */
const MAX_INTERVALOS = 9;
/** A probe's interval before it has reported twice, and the floor of the silence. */
const INTERVALO_INICIAL_MS = 10_000;

export interface LecturaVista {
  ms: number;
  litros: number;
  altura_agua_mm: number;
}

export type AccionTanque =
  | { kind: 'descarga'; inicioMs: number; finMs: number; litros_inicio: number; litros_fin: number; ventas: number }
  | { kind: 'alerta'; codigo: StationAlertCode; mensaje: string; datos: Record<string, unknown> }
  | { kind: 'resolver'; codigo: StationAlertCode };

type Tope = Pick<Tanque, 'id_tanque' | 'nombre' | 'capacidad_litros' | 'nivel_bajo_litros' | 'agua_alta_mm'>;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export class TankWatch {
  private readonly recientes: number[] = [];
  /** (ms, median level), oldest first, within ventanaMs. */
  private puntos: { ms: number; litros: number }[] = [];
  private enCurso: { inicioMs: number; litros_inicio: number; maxMs: number; max: number } | null = null;
  private readonly intervalos: number[] = [];
  private ultimoMs: number | null = null;
  /** Litres sold per minute (key: minute since the epoch), within ventanaVentasMs. */
  private readonly ventas = new Map<number, number>();
  /** Alerts this watch holds open. */
  private readonly abiertas = new Set<StationAlertCode>();
  /** The smoothed level (null before any reading). */
  nivel: number | null = null;

  constructor(
    public tanque: Tope,
    private readonly options: TankWatchOptions = DEFAULT_TANK_WATCH,
  ) {}

  /** Alerts open on this tank as the store holds them (after a restart). */
  marcarAbierta(codigo: StationAlertCode): void {
    this.abiertas.add(codigo);
  }

  /** A sale drawn from this tank. */
  venta(ms: number, litros: number): void {
    const minuto = Math.floor(ms / 60_000);
    this.ventas.set(minuto, (this.ventas.get(minuto) ?? 0) + litros);
    this.olvidarVentas(ms);
  }

  /** Litres per hour sold over the last ventanaVentasMs. */
  tasaVentas(ms: number): number {
    this.olvidarVentas(ms);
    let total = 0;
    for (const l of this.ventas.values()) total += l;
    return total / (this.options.ventanaVentasMs / 3_600_000);
  }

  private olvidarVentas(ms: number): void {
    const desde = Math.floor((ms - this.options.ventanaVentasMs) / 60_000);
    for (const m of this.ventas.keys()) if (m < desde) this.ventas.delete(m);
  }

  private ventasEntre(desdeMs: number, hastaMs: number): number {
    let total = 0;
    const a = Math.floor(desdeMs / 60_000);
    const b = Math.floor(hastaMs / 60_000);
    for (const [m, l] of this.ventas) if (m >= a && m <= b) total += l;
    return total;
  }

  /** How long this probe may stay silent before it is reported. */
  silencioMs(): number {
    const intervalo = this.intervalos.length > 0 ? median(this.intervalos) : INTERVALO_INICIAL_MS;
    return Math.max(INTERVALO_INICIAL_MS, intervalo) * this.options.silencioIntervalos;
  }

  lectura(l: LecturaVista): AccionTanque[] {
    const acciones: AccionTanque[] = [];
    if (this.ultimoMs !== null && l.ms > this.ultimoMs) {
      this.intervalos.push(l.ms - this.ultimoMs);
      if (this.intervalos.length > MAX_INTERVALOS) this.intervalos.shift();
    }
    this.ultimoMs = l.ms;
    this.resolver('TANQUE_SIN_LECTURAS', acciones);

    this.recientes.push(l.litros);
    if (this.recientes.length > MEDIANA) this.recientes.shift();
    const nivel = median(this.recientes);
    this.nivel = nivel;
    this.descargas(l.ms, nivel, acciones);
    this.niveles(l, nivel, acciones);
    return acciones;
  }

  private descargas(ms: number, nivel: number, acciones: AccionTanque[]): void {
    const { descargaMinLitros, ventanaMs } = this.options;
    this.puntos.push({ ms, litros: nivel });
    while (this.puntos.length > MAX_PUNTOS || (this.puntos[0] as { ms: number }).ms < ms - ventanaMs) {
      this.puntos.shift();
    }
    const e = this.enCurso;
    if (e === null) {
      let min = this.puntos[0] as { ms: number; litros: number };
      for (const p of this.puntos) if (p.litros <= min.litros) min = p;
      if (nivel - min.litros > descargaMinLitros) {
        this.enCurso = { inicioMs: min.ms, litros_inicio: min.litros, maxMs: ms, max: nivel };
      }
      return;
    }
    // A new high beyond noise (a tenth of the threshold) keeps the delivery going.
    if (nivel > e.max + descargaMinLitros / 10) {
      e.max = nivel;
      e.maxMs = ms;
    } else if (nivel > e.max) {
      e.max = nivel;
    }
    if (ms - e.maxMs >= ventanaMs) {
      const ventas = this.ventasEntre(e.inicioMs, e.maxMs);
      acciones.push({
        kind: 'descarga',
        inicioMs: e.inicioMs,
        finMs: e.maxMs,
        litros_inicio: e.litros_inicio,
        litros_fin: e.max,
        ventas,
      });
      this.enCurso = null;
      // The window starts again after the delivery: its low point is no longer the reference.
      this.puntos = this.puntos.filter((p) => p.ms >= e.maxMs);
    }
  }

  private niveles(l: LecturaVista, nivel: number, acciones: AccionTanque[]): void {
    const t = this.tanque;
    const histeresis = Math.max(50, t.capacidad_litros * 0.01);
    if (nivel < t.nivel_bajo_litros) {
      this.alertar(
        { codigo: 'TANQUE_NIVEL_BAJO' },
        `Tanque ${t.id_tanque} (${t.nombre}): ${Math.round(nivel)} litros, bajo el mínimo de ${t.nivel_bajo_litros}`,
        { id_tanque: t.id_tanque, litros: Math.round(nivel), nivel_bajo_litros: t.nivel_bajo_litros },
        acciones,
      );
    } else if (nivel >= t.nivel_bajo_litros + histeresis) {
      this.resolver('TANQUE_NIVEL_BAJO', acciones);
    }
    if (l.altura_agua_mm > t.agua_alta_mm) {
      this.alertar(
        { codigo: 'TANQUE_AGUA_ALTA' },
        `Tanque ${t.id_tanque} (${t.nombre}): ${l.altura_agua_mm} mm de agua, sobre el máximo de ${t.agua_alta_mm} mm`,
        { id_tanque: t.id_tanque, altura_agua_mm: l.altura_agua_mm, agua_alta_mm: t.agua_alta_mm },
        acciones,
      );
    } else if (l.altura_agua_mm <= t.agua_alta_mm - 2) {
      this.resolver('TANQUE_AGUA_ALTA', acciones);
    }
    const tasa = this.tasaVentas(l.ms);
    const horas = tasa > 0 ? nivel / tasa : Number.POSITIVE_INFINITY;
    const H = this.options.horasAutonomia;
    if (horas < H) {
      this.alertar(
        { codigo: 'TANQUE_AUTONOMIA_BAJA' },
        `Tanque ${t.id_tanque} (${t.nombre}): se agota en ${horas.toFixed(1)} h al ritmo de ventas actual (${Math.round(tasa)} L/h)`,
        { id_tanque: t.id_tanque, horas: Math.round(horas * 10) / 10, litros_hora: Math.round(tasa) },
        acciones,
      );
    } else if (horas >= H * 1.1) {
      this.resolver('TANQUE_AUTONOMIA_BAJA', acciones);
    }
  }

  /** Called now and then: reports the probe when it has been silent too long. */
  revisar(ms: number): AccionTanque[] {
    const acciones: AccionTanque[] = [];
    if (this.ultimoMs === null) return acciones;
    const silencio = ms - this.ultimoMs;
    if (silencio > this.silencioMs()) {
      const t = this.tanque;
      this.alertar(
        { codigo: 'TANQUE_SIN_LECTURAS' },
        `Tanque ${t.id_tanque} (${t.nombre}): sin lecturas desde hace ${Math.round(silencio / 1000)} s`,
        { id_tanque: t.id_tanque, silencio_ms: silencio },
        acciones,
      );
    }
    return acciones;
  }

  private alertar(
    { codigo }: { codigo: StationAlertCode },
    mensaje: string,
    datos: Record<string, unknown>,
    acciones: AccionTanque[],
  ): void {
    if (this.abiertas.has(codigo)) return;
    this.abiertas.add(codigo);
    acciones.push({ kind: 'alerta', codigo, mensaje, datos });
  }

  private resolver(codigo: StationAlertCode, acciones: AccionTanque[]): void {
    if (this.abiertas.delete(codigo)) acciones.push({ kind: 'resolver', codigo });
  }
}
