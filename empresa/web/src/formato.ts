/** Numbers, dates and elements as the staff page shows them (Chilean formats, 24-hour clock). */
import type { Combustible } from './types.js';

const enteros = new Intl.NumberFormat('es-CL', { maximumFractionDigits: 0 });
const litrosFmt = new Intl.NumberFormat('es-CL', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** Integer pesos: "$1.234.567". */
export const pesos = (n: number) => `$${enteros.format(n)}`;
/** A count: "12.345". */
export const entero = (n: number) => enteros.format(n);
/** Litres with one decimal: "12.345,6 L". */
export const litros = (n: number) => `${litrosFmt.format(n)} L`;

// 24-hour clock: "14:05:09", never "2:05:09 p. m.".
const fechaHora = new Intl.DateTimeFormat('es-CL', { dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' });
/** A date and time in the browser's time zone, or "—". */
export const hora = (iso: string | null) => {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : fechaHora.format(d);
};

/** "hace 12 s", "hace 3 min", "hace 2 h", "hace 4 d": how long before `ahora` (both ISO instants). */
export function hace(iso: string | null, ahora: string): string {
  if (!iso) return 'nunca';
  const s = Math.max(0, Math.round((Date.parse(ahora) - Date.parse(iso)) / 1000));
  if (Number.isNaN(s)) return '—';
  if (s < 60) return `hace ${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `hace ${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `hace ${h} h`;
  return `hace ${Math.floor(h / 24)} d`;
}

export const COMBUSTIBLES: readonly Combustible[] = ['93', '95', '97', 'diesel'];
export const NOMBRE_COMBUSTIBLE: Record<Combustible, string> = { '93': '93', '95': '95', '97': '97', diesel: 'Diésel' };

/** An element with this text (never HTML) and class. */
export function texto<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  contenido: string,
  clase?: string,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.textContent = contenido;
  if (clase) el.className = clase;
  return el;
}

// ── days in the company's time zone ──────────────────────────────────────────────────────────

const fechasPorZona = new Map<string, Intl.DateTimeFormat>();
function formatoFecha(zona: string): Intl.DateTimeFormat {
  let f = fechasPorZona.get(zona);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zona,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    fechasPorZona.set(zona, f);
  }
  return f;
}

/** The wall clock of `ms` in `zona`, read as if it were UTC (its offset is the difference). */
function relojEn(ms: number, zona: string): number {
  const p = Object.fromEntries(
    formatoFecha(zona)
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  return Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
}

/** The day ('YYYY-MM-DD') that `ms` falls on in `zona`. */
export function diaEn(ms: number, zona: string): string {
  return new Date(relojEn(ms, zona)).toISOString().slice(0, 10);
}

/** The instant (ISO, UTC) when `dia` ('YYYY-MM-DD') starts in `zona`. */
export function inicioDelDia(dia: string, zona: string): string {
  const medianoche = Date.parse(`${dia}T00:00:00Z`);
  // The zone's offset near that midnight, then again at the guess (a change of offset that day).
  let ms = medianoche - (relojEn(medianoche, zona) - medianoche);
  ms = medianoche - (relojEn(ms, zona) - ms);
  return new Date(ms).toISOString();
}

/** `dia` moved by `n` days ('YYYY-MM-DD'). */
export function sumarDias(dia: string, n: number): string {
  return new Date(Date.parse(`${dia}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

const diaCorto = new Intl.DateTimeFormat('es-CL', { weekday: 'short', day: 'numeric', timeZone: 'UTC' });
const diaLargo = new Intl.DateTimeFormat('es-CL', { dateStyle: 'full', timeZone: 'UTC' });
/** "lun 17" for a chart's axis. */
export const dia = (d: string) => diaCorto.format(new Date(`${d}T00:00:00Z`)).replace('.', '');
/** "lunes, 17 de noviembre de 2026". */
export const diaCompleto = (d: string) => diaLargo.format(new Date(`${d}T00:00:00Z`));
