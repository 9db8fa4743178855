/** `bench red` as a table (terminal and README alike) and the targets checked against it. */
import { fmt, machineInfo, type TableCells } from '../hub/report.js';
import { textTable } from '../table.js';
import type { RedRun, SizeResult } from './run.js';

/** The targets of issue 15 on this machine. */
export const OBJETIVOS = { p99Ms: 1000, ratioBase: 1.5, ratioRss: 1.5, ventasPorSeg: 5000 } as const;

type Row = [string, (s: SizeResult) => number | null | undefined, number];

const ROWS: Row[] = [
  ['enlaces: registro (s)', (s) => s.conexion.registroMs / 1000, 1],
  ['enlaces: todos sincronizados (s)', (s) => s.conexion.sincronizadasMs / 1000, 1],
  ['enlaces: CPU empresa por enlace (ms)', (s) => s.conexion.cpuMsPorEnlace, 2],
  ['enlaces: de vuelta tras reiniciar (s)', (s) => s.conexion.reinicioMs / 1000, 1],
  ['precio, empresa: p50 (ms)', (s) => s.empresa.precios.recepcion?.p50, 0],
  ['precio, empresa: p99 (ms)', (s) => s.empresa.precios.recepcion?.p99, 0],
  ['precio, empresa: máx (ms)', (s) => s.empresa.precios.recepcion?.max, 0],
  ['precio, base: p50 (ms)', (s) => s.base.precios.recepcion?.p50, 0],
  ['precio, base: p99 (ms)', (s) => s.base.precios.recepcion?.p99, 0],
  ['precio, base: máx (ms)', (s) => s.base.precios.recepcion?.max, 0],
  ['empresa / base, p99', (s) => s.ratios.p99, 2],
  ['empresa / base, máx', (s) => s.ratios.max, 2],
  ['empresa registró todas, p50 (ms)', (s) => s.empresa.confirmadas?.p50, 0],
  ['CPU empresa en las rondas (%)', (s) => s.empresa.cpuPct, 0],
  ['RSS empresa por enlace (KiB)', (s) => s.empresa.rssPorEnlaceKiB, 1],
  ['RSS base por conexión (KiB)', (s) => s.base.rssPorConexionKiB, 1],
  ['empresa / base, RSS', (s) => s.ratios.rss, 2],
  ['ventas ofrecidas (/s)', (s) => s.ventas?.ofrecidasPorSeg, 0],
  ['ventas generadas por la flota (/s)', (s) => s.ventas?.generadasPorSeg, 0],
  ['ventas confirmadas (/s, durables)', (s) => s.ventas?.confirmadasPorSeg, 0],
  ['reconexiones en la ventana de ventas', (s) => s.ventas?.reconexiones, 0],
];

export function redCells(run: Pick<RedRun, 'sizes'>): TableCells {
  return {
    header: run.sizes.map((s) => `${s.estaciones} estaciones`),
    rows: [
      ...ROWS.map(([label, value, digits]) => ({ label, cells: run.sizes.map((s) => fmt(value(s), digits)) })),
      { label: 'rondas medidas', cells: run.sizes.map((s) => String(s.empresa.precios.ultimas.length)) },
    ],
  };
}

/** Each target of the issue that a size misses, in words. */
export function incumplidos(s: SizeResult): string[] {
  const out: string[] = [];
  const p99 = s.empresa.precios.recepcion?.p99;
  if (p99 !== undefined && p99 > OBJETIVOS.p99Ms)
    out.push(`p99 del precio ${p99.toFixed(0)} ms > ${OBJETIVOS.p99Ms} ms`);
  if (s.ratios.p99 !== null && s.ratios.p99 > OBJETIVOS.ratioBase)
    out.push(`p99 ${s.ratios.p99.toFixed(2)}× la base > ${OBJETIVOS.ratioBase}×`);
  if (s.ratios.rss !== null && s.ratios.rss > OBJETIVOS.ratioRss)
    out.push(`RSS por enlace ${s.ratios.rss.toFixed(2)}× la base > ${OBJETIVOS.ratioRss}×`);
  if (s.ventas && s.ventas.confirmadasPorSeg < OBJETIVOS.ventasPorSeg)
    out.push(`ingesta ${s.ventas.confirmadasPorSeg.toFixed(0)}/s < ${OBJETIVOS.ventasPorSeg}/s`);
  return out;
}

export function redLines(run: RedRun): string[] {
  const notas = run.sizes.flatMap((s) => [
    ...(s.ventasNota ? [`${s.estaciones}: ${s.ventasNota}`] : []),
    ...incumplidos(s).map((x) => `${s.estaciones}: objetivo no cumplido: ${x}`),
  ]);
  return [
    `Carga media (1 min) al empezar ${run.loadavg.start.toFixed(1)}, al terminar ${run.loadavg.end.toFixed(1)}; ` +
      `objetivos: p99 ≤ ${OBJETIVOS.p99Ms} ms y ≤ ${OBJETIVOS.ratioBase}× la base, RSS ≤ ${OBJETIVOS.ratioRss}× la base, ` +
      `ingesta ≥ ${OBJETIVOS.ventasPorSeg}/s.`,
    ...notas,
  ];
}

export function formatRed(run: RedRun): string {
  const m = machineInfo();
  return [
    `Red: ${run.params.rondas} cambios de precio medidos (+${run.params.calentamiento}) por tamaño; base: un cliente Node mínimo escribiendo la misma línea a los mismos sockets`,
    `Máquina: ${m.cpus} × ${m.model}, Node ${m.node}`,
    ...redLines(run),
    '',
    textTable(redCells(run)),
  ].join('\n');
}
