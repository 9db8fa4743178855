/**
 * Wet-stock reconciliation of one tank: for each period (a day, a shift) the opening stock, the
 * litres sold from the tank, the litres delivered, the expected closing stock
 * (opening − sales + deliveries), the measured closing stock, the variance (measured − expected;
 * negative is a loss) and the cumulative variance. Pure: plain arrays in, rows out; the caller
 * (the store, a test, the bench) decides where the readings come from. See docs/conciliacion.md.
 *
 * Volumes are given twice when the readings allow it: gross (litres at the product's temperature)
 * and net (corrected to 15 °C). Pump meters measure gross litres at the product's temperature, so
 * for the net figures each sale and delivery is converted with the tank's own net/gross ratio at
 * the last reading before it (the gauge did the thermal correction; no expansion coefficient is
 * assumed here).
 *
 * Times are milliseconds since the epoch. Arrays may come in any order. A period without a reading
 * near both of its ends gets null volumes instead of failing: one missing reading never breaks the
 * rest of the report.
 */

/** One gauge reading of a tank. */
export interface LecturaConciliable {
  timestamp: number;
  /** Gross volume at the product's temperature. */
  litros: number;
  /** Net volume at 15 °C, when the gauge reports it. */
  litros_15c: number | null;
}

/** One sale drawn from the tank (its litres as the pump's meter counted them). */
export interface VentaConciliable {
  /** When the sale ended: it has left the tank by then. */
  fecha_fin: number;
  /** When it started (the sudden-loss rule prorates a sale under way at a reading); optional. */
  fecha_inicio?: number;
  litros: number;
}

/** One delivery by truck into the tank. */
export interface DescargaConciliable {
  inicio: number;
  fin: number;
  /** Gross litres delivered (as detected from the readings, or as the delivery note says). */
  litros: number;
}

/** Everything the reconciliation of one tank needs. */
export interface EntradaTanque {
  id_tanque: number;
  lecturas: readonly LecturaConciliable[];
  ventas: readonly VentaConciliable[];
  descargas: readonly DescargaConciliable[];
}

/** One side of a period's balance (gross or net), litres. */
export interface BalanceVolumen {
  stock_inicial: number;
  ventas: number;
  descargas: number;
  stock_esperado: number;
  stock_medido: number;
  /** measured − expected: negative means litres missing. */
  varianza: number;
  /** Sum of the variances of this and the earlier periods of the report that had one. */
  varianza_acumulada: number;
}

export interface FilaConciliacion {
  id_tanque: number;
  desde: string;
  hasta: string;
  /** The readings the period was measured with (ISO-8601), null when there was none near the edge. */
  lectura_inicial: string | null;
  lectura_final: string | null;
  bruto: BalanceVolumen | null;
  /** Corrected to 15 °C; null when a reading at either end lacks litros_15c. */
  neto_15c: BalanceVolumen | null;
}

export interface OpcionesConciliacion {
  /** How far from a period's edge its opening/closing reading may be (ms). Default 30 min. */
  toleranciaMs?: number;
}

/** The most periods one report may have (a year of three shifts a day, and then some). */
export const MAX_PERIODOS = 2000;
const HORA_MS = 3_600_000;
const DIA_MS = 24 * HORA_MS;
const DEFAULT_TOLERANCIA_MS = 30 * 60_000;

/** Day boundaries covering [desde, hasta): local midnights for a UTC offset in minutes. */
export function limitesDiarios(desde: number, hasta: number, offsetMin = 0): number[] {
  return limitesTurnos(desde, hasta, [0], offsetMin);
}

/**
 * Shift boundaries covering [desde, hasta): every day, each shift starts at the given minutes after
 * local midnight (e.g. [360, 840, 1320] for shifts at 06:00, 14:00 and 22:00). The first boundary
 * is the last start at or before `desde`; the last is the first start at or after `hasta`.
 */
export function limitesTurnos(desde: number, hasta: number, iniciosMin: readonly number[], offsetMin = 0): number[] {
  if (!(hasta > desde)) throw new RangeError('el período pedido está vacío (hasta debe ser posterior a desde)');
  const inicios = [...new Set(iniciosMin)].sort((a, b) => a - b);
  if (inicios.length === 0 || inicios.some((m) => !Number.isInteger(m) || m < 0 || m >= 1440))
    throw new RangeError('los inicios de turno son minutos enteros entre 0 y 1439');
  const offset = offsetMin * 60_000;
  const primerDia = Math.floor((desde + offset) / DIA_MS) * DIA_MS - offset - DIA_MS;
  const limites: number[] = [];
  for (let dia = primerDia; ; dia += DIA_MS) {
    for (const m of inicios) {
      const t = dia + m * 60_000;
      if (t <= desde) limites[0] = t;
      else limites.push(t);
      if (t >= hasta) return limites;
      if (limites.length > MAX_PERIODOS + 1)
        throw new RangeError(`el período pedido tiene más de ${MAX_PERIODOS} turnos o días`);
    }
  }
}

const porTiempo = <T>(xs: readonly T[], t: (x: T) => number) => [...xs].sort((a, b) => t(a) - t(b));

/** Index of the last element with key ≤ t (−1 if none); `ts` is sorted. */
export function ultimoHasta(ts: readonly number[], t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ts[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** A tank's arrays sorted by time, with prefix sums so that any interval's sales are O(log n). */
export class HistoriaTanque {
  readonly lecturas: LecturaConciliable[];
  readonly tLecturas: number[];
  private readonly tVentas: number[];
  private readonly ventasAcum: number[];
  private readonly ventasNetoAcum: number[];
  readonly descargas: DescargaConciliable[];
  private readonly tDescargas: number[];
  private readonly descargasAcum: number[];
  private readonly descargasNetoAcum: number[];

  constructor(entrada: Omit<EntradaTanque, 'id_tanque'>) {
    this.lecturas = porTiempo(
      entrada.lecturas.filter((l) => Number.isFinite(l.timestamp) && Number.isFinite(l.litros)),
      (l) => l.timestamp,
    );
    this.tLecturas = this.lecturas.map((l) => l.timestamp);
    const ventas = porTiempo(
      entrada.ventas.filter((v) => Number.isFinite(v.fecha_fin) && Number.isFinite(v.litros)),
      (v) => v.fecha_fin,
    );
    this.tVentas = ventas.map((v) => v.fecha_fin);
    [this.ventasAcum, this.ventasNetoAcum] = this.acumular(ventas, (v) => v.fecha_fin);
    this.descargas = porTiempo(
      entrada.descargas.filter((d) => Number.isFinite(d.fin) && Number.isFinite(d.litros)),
      (d) => d.fin,
    );
    this.tDescargas = this.descargas.map((d) => d.fin);
    [this.descargasAcum, this.descargasNetoAcum] = this.acumular(this.descargas, (d) => d.fin);
  }

  /** Net/gross ratio of the tank at t: from the last reading at or before t (else the first), or null. */
  factor15(t: number): number | null {
    const i = Math.max(0, ultimoHasta(this.tLecturas, t));
    const l = this.lecturas[i];
    return l && l.litros_15c !== null && l.litros > 0 ? l.litros_15c / l.litros : null;
  }

  private acumular<T extends { litros: number }>(xs: T[], t: (x: T) => number): [number[], number[]] {
    const bruto = [0];
    const neto = [0];
    for (const x of xs) {
      bruto.push((bruto.at(-1) as number) + x.litros);
      neto.push((neto.at(-1) as number) + x.litros * (this.factor15(t(x)) ?? Number.NaN));
    }
    return [bruto, neto];
  }

  private static entre(ts: number[], acum: number[], a: number, b: number): number {
    return (acum[ultimoHasta(ts, b) + 1] as number) - (acum[ultimoHasta(ts, a) + 1] as number);
  }

  /** Litres sold in (a, b]: gross, and net (NaN if a factor was missing). */
  ventasEntre(a: number, b: number): { bruto: number; neto: number } {
    return {
      bruto: HistoriaTanque.entre(this.tVentas, this.ventasAcum, a, b),
      neto: HistoriaTanque.entre(this.tVentas, this.ventasNetoAcum, a, b),
    };
  }

  /** Litres delivered by deliveries that ended in (a, b]. */
  descargasEntre(a: number, b: number): { bruto: number; neto: number } {
    return {
      bruto: HistoriaTanque.entre(this.tDescargas, this.descargasAcum, a, b),
      neto: HistoriaTanque.entre(this.tDescargas, this.descargasNetoAcum, a, b),
    };
  }

  /** Deliveries that ended at or before t. */
  descargasHasta(t: number): number {
    return ultimoHasta(this.tDescargas, t) + 1;
  }

  /** Whether t falls inside a delivery (the level is moving for another reason than sales). */
  enDescarga(t: number, margenMs = 0): boolean {
    return this.descargas.some((d) => t >= d.inicio - margenMs && t <= d.fin + margenMs);
  }

  /** The reading that measures the stock at a period edge: the last at or before it, else the first after. */
  lecturaEn(t: number, toleranciaMs: number): LecturaConciliable | null {
    const i = ultimoHasta(this.tLecturas, t);
    const antes = this.lecturas[i];
    if (antes && t - antes.timestamp <= toleranciaMs) return antes;
    const despues = this.lecturas[i + 1];
    return despues && despues.timestamp - t <= toleranciaMs ? despues : null;
  }
}

const r1 = (x: number) => Math.round(x * 10) / 10;

function balance(
  inicial: number,
  final: number,
  ventas: number,
  descargas: number,
  acumulada: number,
): Omit<BalanceVolumen, 'varianza_acumulada'> & { varianza_cruda: number } {
  const esperado = inicial - ventas + descargas;
  const varianza = final - esperado;
  return {
    stock_inicial: r1(inicial),
    ventas: r1(ventas),
    descargas: r1(descargas),
    stock_esperado: r1(esperado),
    stock_medido: r1(final),
    varianza: r1(varianza),
    varianza_cruda: acumulada + varianza,
  };
}

/**
 * The reconciliation of one tank over consecutive periods: `limites` are the period edges (from
 * limitesDiarios / limitesTurnos, or any increasing list). Sales and deliveries are counted between
 * the two readings actually used, so a reading a few minutes off the edge does not lose litres.
 */
export function conciliar(
  entrada: EntradaTanque,
  limites: readonly number[],
  opciones: OpcionesConciliacion = {},
): FilaConciliacion[] {
  if (limites.length > MAX_PERIODOS + 1) throw new RangeError(`más de ${MAX_PERIODOS} períodos`);
  const tolerancia = opciones.toleranciaMs ?? DEFAULT_TOLERANCIA_MS;
  const h = new HistoriaTanque(entrada);
  const filas: FilaConciliacion[] = [];
  let acumBruto = 0;
  let acumNeto = 0;
  for (let i = 0; i + 1 < limites.length; i++) {
    const desde = limites[i] as number;
    const hasta = limites[i + 1] as number;
    const a = h.lecturaEn(desde, tolerancia);
    const b = h.lecturaEn(hasta, tolerancia);
    const fila: FilaConciliacion = {
      id_tanque: entrada.id_tanque,
      desde: new Date(desde).toISOString(),
      hasta: new Date(hasta).toISOString(),
      lectura_inicial: a ? new Date(a.timestamp).toISOString() : null,
      lectura_final: b ? new Date(b.timestamp).toISOString() : null,
      bruto: null,
      neto_15c: null,
    };
    if (a && b && b.timestamp > a.timestamp) {
      const ventas = h.ventasEntre(a.timestamp, b.timestamp);
      const descargas = h.descargasEntre(a.timestamp, b.timestamp);
      const { varianza_cruda, ...bruto } = balance(a.litros, b.litros, ventas.bruto, descargas.bruto, acumBruto);
      acumBruto = varianza_cruda;
      fila.bruto = { ...bruto, varianza_acumulada: r1(acumBruto) };
      if (a.litros_15c !== null && b.litros_15c !== null && Number.isFinite(ventas.neto + descargas.neto)) {
        const neto = balance(a.litros_15c, b.litros_15c, ventas.neto, descargas.neto, acumNeto);
        acumNeto = neto.varianza_cruda;
        const { varianza_cruda: _, ...resto } = neto;
        fila.neto_15c = { ...resto, varianza_acumulada: r1(acumNeto) };
      }
    }
    filas.push(fila);
  }
  return filas;
}
