/**
 * Time zones for day boundaries: the station's closes and the company's daily totals count days
 * in a configured IANA zone (--zona-horaria), the same default on both sides.
 */

/** The zone days are counted in when none is configured (--zona-horaria). */
export const ZONA_HORARIA_POR_DEFECTO = 'America/Santiago';

/** True when `zona` is an IANA time zone this runtime knows. */
export function zonaValida(zona: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zona });
    return true;
  } catch {
    return false;
  }
}

/** One formatter per zone (building one costs far more than using it). */
const formatosDia = new Map<string, Intl.DateTimeFormat>();

/** The local day (YYYY-MM-DD) in `zona` of the instant `ms`. */
export function fechaEnZona(ms: number, zona: string): string {
  let f = formatosDia.get(zona);
  if (f === undefined) {
    // en-CA writes dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zona, year: 'numeric', month: '2-digit', day: '2-digit' });
    if (formatosDia.size < 64) formatosDia.set(zona, f);
  }
  return f.format(ms);
}
