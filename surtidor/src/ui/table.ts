/** The live table shown on a terminal: a few lines rewritten in place every second. */
import type { TankStats } from '../domain/medidor.js';
import type { FleetStats, GaugeStats } from '../fleet/stats.js';

export interface TableInfo {
  estacion: string;
  speed: number;
  elapsedS: number;
  /** Sales per second over the last refresh. */
  ventasPorSegundo: number;
  logFile: string;
}

const num = (n: number) => Math.round(n).toLocaleString('es-CL');

function clock(s: number): string {
  const t = Math.floor(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const ss = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function row(cells: [string, string][]): string[] {
  const widths = cells.map(([label, value]) => Math.max(label.length, value.length) + 2);
  return [
    cells.map(([label], i) => label.padStart(widths[i] ?? 0)).join(''),
    cells.map(([, value], i) => value.padStart(widths[i] ?? 0)).join(''),
  ];
}

const codes = (t: Record<string, number>) =>
  Object.entries(t)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

export function renderTable(s: FleetStats, info: TableInfo): string[] {
  const lines = [
    `Surtidores simulados → estación ${info.estacion}   (velocidad ×${info.speed}, ${clock(info.elapsedS)})`,
    ...row([
      ['surtidores', num(s.surtidores)],
      ['conectados', num(s.conectados)],
      ['despachando', num(s.despachando)],
      ['pausados', num(s.pausados)],
      ['reconexiones', num(s.reconexiones)],
    ]),
    ...row([
      ['ventas', num(s.ventas)],
      ['ventas/s', info.ventasPorSegundo.toFixed(1)],
      ['monto ($)', num(s.monto)],
      ['confirmadas', num(s.confirmadas)],
      ['duplicadas', num(s.duplicadas)],
      ['conflictos', num(s.conflictos)],
      ['outbox pendientes', num(s.pendientes)],
    ]),
  ];
  const extra: string[] = [];
  if (Object.keys(s.errores).length > 0) extra.push(`errores de la estación: ${codes(s.errores)}`);
  if (Object.keys(s.rechazos).length > 0) extra.push(`registros rechazados: ${codes(s.rechazos)}`);
  if (s.autorizacion) {
    const a = s.autorizacion;
    lines.push(
      ...row([
        ['prepago', num(a.prepago)],
        ['esperando', num(a.esperando)],
        ['autorizados', num(a.autorizados)],
        ['autorizar recibidos', num(a.recibidas)],
        ['rechazados', num(a.rechazadas)],
        ['propias', num(a.propias)],
        ['vencidas', num(a.vencidas)],
        ['canceladas', num(a.canceladas)],
        ['abandonos', num(a.abandonos)],
      ]),
    );
  }
  if (s.tanques && s.medidor) lines.push(...tankLines(s.medidor, s.tanques));
  if (s.caos) {
    const c = s.caos;
    extra.push(
      `caos: descartadas ${c.dropped}, duplicadas ${c.duplicated}, reordenadas ${c.reordered}, demoradas ${c.delayed}, medio abiertas ${c.halfOpen}`,
    );
  }
  lines.push(...extra, `log: ${info.logFile}   Ctrl-C: detener (termina o cancela las ventas, vacía el outbox)`);
  return lines;
}

/** One line per tank: level, percentage, temperature, delivery, faults, the last reading sent. */
function tankLines(m: GaugeStats, tanques: readonly TankStats[]): string[] {
  const lines = [
    `medidor ${m.id_medidor}: ${m.conectado ? 'registrado' : 'sin registrar'}, lecturas enviadas ${num(m.lecturas)}`,
  ];
  for (const t of tanques) {
    const u = t.ultima_lectura;
    const ultima = u ? `${u.litros.toFixed(1)} L a las ${u.timestamp.slice(11, 19)}` : '—';
    const fallas = [
      t.fugados > 0 ? `fugados ${num(t.fugados)} L` : '',
      t.robados > 0 ? `robados ${num(t.robados)} L` : '',
      t.faltantes > 0 ? `faltaron ${num(t.faltantes)} L` : '',
    ].filter((x) => x.length > 0);
    lines.push(
      `  tanque ${t.id_tanque} (${t.combustible}): ${num(t.litros)} / ${num(t.capacidad)} L  ${t.porcentaje.toFixed(1)} %` +
        `  ${t.temperatura_c.toFixed(1)} °C${t.descargando ? '  descargando' : ''}  descargas ${t.descargas}` +
        `  última lectura ${ultima}${fallas.length > 0 ? `  (${fallas.join(', ')})` : ''}`,
    );
  }
  return lines;
}

/** Rewrites its previous lines in place (ANSI: cursor up, clear line). */
export class LiveTable {
  private drawn = 0;

  constructor(private readonly out: NodeJS.WritableStream) {}

  draw(lines: string[]): void {
    let buf = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    for (const line of lines) buf += `\x1b[2K${line}\n`;
    buf += '\x1b[0J';
    this.drawn = lines.length;
    this.out.write(buf);
  }
}
