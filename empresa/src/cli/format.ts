/** Human-friendly text for the CLI: prices, versions and stations. */
import type { Precios } from '@combustible/shared';
import { CAMPOS_PRECIO } from '../domain/price-book.js';
import type { CambioPrecio, CampoPrecio, VersionPrecios } from '../domain/types.js';

export interface EstacionVista {
  id_estacion: string;
  nombre: string;
  host: string;
  puerto: number;
  /** Absent from an older API. */
  tls?: boolean;
  conectada: boolean;
  version_confirmada: number | null;
  al_dia: boolean;
  ultimo_contacto: string | null;
  ultimo_error: string | null;
  enlace: {
    estado: string;
    /** The station reported a price version the company never made (see docs/empresa.md). */
    anomalia?: { codigo: string; version_reportada: number; version_empresa: number; desde: string } | null;
  } | null;
}

/** The version column of a station: ✓ when it holds the newest, what it reports when the company never made it. */
export function versionDeEstacion(e: EstacionVista, newest: number): string {
  const version = e.version_confirmada === null ? '—' : String(e.version_confirmada);
  const anomalia = e.enlace?.anomalia ?? null;
  if (anomalia) return `${version} ⚠ desconocida: ${anomalia.version_reportada}`;
  return e.al_dia ? `${version} ✓` : `${version} (de ${newest})`;
}

const ETIQUETAS: Record<CampoPrecio, string> = {
  precio_93: '93',
  precio_95: '95',
  precio_97: '97',
  precio_diesel: 'diesel',
};

/** Date and 24-hour time: "30-11-2026, 19:02:22", never "7:02:22 p. m.". */
const FECHA_HORA = new Intl.DateTimeFormat('es-CL', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

export const pesos = (n: number) => `$${n.toLocaleString('es-CL')}`;

export function fecha(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : FECHA_HORA.format(d);
}

export function formatPrecios(p: Precios): string {
  return CAMPOS_PRECIO.map((c) => `  ${ETIQUETAS[c].padEnd(7)} ${pesos(p[c]).padStart(8)}`).join('\n');
}

export function formatCambios(cambios: CambioPrecio[]): string {
  return cambios
    .map((c) => `${ETIQUETAS[c.campo]} ${c.anterior === null ? '' : `${pesos(c.anterior)} → `}${pesos(c.nuevo)}`)
    .join(', ');
}

export function formatVersion(v: VersionPrecios): string {
  return `versión ${v.version} (${fecha(v.actualizado)}, por ${v.autor})`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatEstaciones(estaciones: EstacionVista[], newest: number): string {
  if (estaciones.length === 0)
    return 'No hay estaciones registradas (agregue una: npx empresa estaciones add HOST:PUERTO).';
  const rows = [['ID', 'NOMBRE', 'DIRECCIÓN', 'ENLACE', 'VERSIÓN', 'ÚLTIMO CONTACTO', 'ÚLTIMO ERROR']];
  for (const e of estaciones) {
    rows.push([
      e.id_estacion,
      e.nombre,
      `${e.host}:${e.puerto}`,
      e.enlace?.estado ?? (e.conectada ? 'conectada' : 'desconectada'),
      versionDeEstacion(e, newest),
      fecha(e.ultimo_contacto),
      e.ultimo_error ?? '',
    ]);
  }
  return table(rows);
}
