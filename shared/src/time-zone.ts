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

/** Milliseconds `zona` is ahead of UTC at the instant `ms`. */
function desfaseZona(ms: number, zona: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zona,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return local - Math.floor(ms / 1000) * 1000;
}

/**
 * The UTC instant `fecha` (YYYY-MM-DD) begins in `zona`: its local midnight, or, where the clocks
 * jump forward at midnight (Chile in September), the first instant after the jump.
 */
function medianocheLocal(fecha: string, zona: string): number {
  const [y, m, d] = fecha.split('-').map(Number) as [number, number, number];
  const utc = Date.UTC(y, m - 1, d);
  // The offset at the guess may differ from the one at the answer (a DST change near midnight).
  const conDesfaseAntes = utc - desfaseZona(utc, zona);
  const t = utc - desfaseZona(conDesfaseAntes, zona);
  if (t + desfaseZona(t, zona) === utc) return t;
  // Midnight does not exist that day: the day starts where the jump lands.
  return Math.max(t, conDesfaseAntes);
}

/**
 * The inclusive UTC bounds of a day in `zona`: from its local midnight to the last millisecond
 * before the next one (23 or 25 hours on a DST change).
 */
export function rangoDelDia(fecha: string, zona: string): { desde: string; hasta: string } {
  const inicio = medianocheLocal(fecha, zona);
  const [y, m, d] = fecha.split('-').map(Number) as [number, number, number];
  const siguiente = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  const fin = medianocheLocal(siguiente, zona) - 1;
  return { desde: new Date(inicio).toISOString(), hasta: new Date(fin).toISOString() };
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
