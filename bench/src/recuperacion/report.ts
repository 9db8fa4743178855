/** Prints the recovery benchmark as a table and saves it as JSON under bench/results/. */
import { machineLine, ratio, writeResult } from '../hub/report.js';
import { type RunRow, runsCells, textTable } from '../table.js';
import type { RecuperacionFigures } from './run.js';

const s = (ms: number | null) => (ms === null ? null : ms / 1000);
const sumOf = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
/** The return measured against the objective, the forced pause left out. */
const againstTarget = (f: RecuperacionFigures) =>
  f.todosMs === null || f.target === null ? null : ratio(f.todosMs - f.params.pausaS * 1000, f.target * 1000);

/** Every figure of the table, in order (also the README's rows, see informe/). */
export const ROWS: RunRow<RecuperacionFigures>[] = [
  ['procesos de surtidores', (f) => f.params.procesos, 0],
  ['registro inicial (s)', (f) => s(f.registroInicialMs), 1],
  ['parada de la estación (s)', (f) => s(f.paradaMs), 2],
  ['pausa antes de arrancarla (s)', (f) => f.params.pausaS, 1],
  ['estación escuchando otra vez (s)', (f) => s(f.caidaMs), 2],
  ['primer surtidor de vuelta (s)', (f) => s(f.retorno.primero), 2],
  ['50 % de vuelta (s)', (f) => s(f.retorno.p50), 2],
  ['90 % de vuelta (s)', (f) => s(f.retorno.p90), 2],
  ['99 % de vuelta (s)', (f) => s(f.retorno.p99), 2],
  ['TODOS de vuelta (s)', (f) => s(f.todosMs), 2],
  ['  desde que escucha (s)', (f) => s(f.todosDesdeEscuchaMs), 2],
  // The baseline of the same run: the same fleet registering at a fresh station, before the stop.
  ['  ÷ registro inicial (misma corrida)', (f) => ratio(f.todosDesdeEscuchaMs, f.registroInicialMs), 2],
  ['objetivo (s, sin la pausa)', (f) => f.target, 0],
  ['  TODOS de vuelta ÷ objetivo', againstTarget, 2],
  ['registros por segundo (pico)', (f) => f.picoPorSegundo, 0],
  ['admisión: tasa (registros/s)', (f) => f.admision.tasa, 0],
  ['admisión: ráfaga', (f) => f.admision.rafaga, 0],
  ['admitidos (estación)', (f) => f.admision.admitidos, 0],
  ['diferidos (estación)', (f) => f.admision.diferidos, 0],
  ['rechazos vistos por surtidores', (f) => sumOf(f.rechazosSurtidores), 0],
  ['registros aceptados (total)', (f) => f.registrosTotales, 0],
  ['CPU estación media (% 1 núcleo)', (f) => f.cpuEstacion.media, 0],
  ['CPU estación pico 1 s (%)', (f) => f.cpuEstacion.picoSegundo, 0],
  ['CPU surtidores (% 1 núcleo)', (f) => f.cpuSurtidores, 0],
  ['retraso máx. tick surtidores (ms)', (f) => f.retrasoTickSurtidoresMs, 0],
  ['/health p50 durante (ms)', (f) => f.health.p50, 1],
  ['/health p99 durante (ms)', (f) => f.health.p99, 1],
  ['/health máx. durante (ms)', (f) => f.health.max, 1],
  ['máquina: carga 1 min', (f) => f.maquina.carga1m, 2],
  ['máquina: espera de CPU (%)', (f) => f.maquina.esperaCpuPct, 1],
  ['máquina: SYN reenviados (TCP)', (f) => f.maquina.tcp?.TCPSynRetrans ?? null, 0],
  ['máquina: desbordes de listen', (f) => f.maquina.tcp?.ListenOverflows ?? null, 0],
  ['máquina: challenge ACK a SYN', (f) => f.maquina.tcp?.TCPSYNChallenge ?? null, 0],
  ['cumple', (f) => (f.problems.length === 0 ? 'sí' : 'no'), 0],
];

/** The first line of the table: what was done. */
export const recuperacionHeader = (runs: RecuperacionFigures[]) =>
  `Recuperación: N surtidores reales registrados; ${runs[0]?.params.signal} a la estación y arranque de otra en el ` +
  `mismo puerto y carpeta de datos; tiempos desde la señal`;

/** The table as the terminal and the README show it: one column per fleet size. */
export const recuperacionCells = (runs: RecuperacionFigures[]) =>
  runsCells(runs, (r) => String(r.params.surtidores), ROWS);

export function formatTable(runs: RecuperacionFigures[]): string {
  const head = [recuperacionHeader(runs), machineLine(), '', textTable(recuperacionCells(runs), 'surtidores')];
  const series = runs.map((r) => `  ${r.params.surtidores}: ${r.porSegundo.join(' ')}`);
  const admission = runs
    .filter((r) => r.admisionPorSegundo.length > 0)
    .map(
      (r) =>
        `  ${r.params.surtidores}: ${r.admisionPorSegundo.map((x) => `${x.t.toFixed(1)}s ${x.admitidos}/${x.diferidos}/${x.en_espera}`).join(', ')}`,
    );
  const extra = ['', 'registros por segundo desde que la nueva estación escucha:', ...series];
  if (admission.length > 0)
    extra.push(
      'admisión de la estación (s desde que escucha: admitidos/diferidos en ese segundo/con turno):',
      ...admission,
    );
  for (const r of runs) {
    const codes = Object.entries(r.rechazosSurtidores).map(([c, k]) => `${c} ${k}`);
    if (codes.length > 0)
      extra.push(`  ${r.params.surtidores}: rechazos vistos por los surtidores: ${codes.join(', ')}`);
    const l = r.logsEstacion;
    if (l.warnings + l.errors + l.stderrLines > 0) {
      extra.push(
        `  ${r.params.surtidores}: log de la estación: ${l.warnings} warn, ${l.errors} error, ${l.stderrLines} stderr`,
      );
      for (const sample of l.samples.slice(0, 5)) extra.push(`    ${sample}`);
    }
  }
  const problems = runs.flatMap((r) => r.problems.map((x) => `  ${r.params.surtidores}: ${x}`));
  return [...head, ...extra, ...(problems.length > 0 ? ['', 'no cumple porque:', ...problems] : [])].join('\n');
}

/** Writes bench/results/recuperacion-<timestamp>.json and returns its path. */
export const saveJson = (runs: RecuperacionFigures[], at: Date): string => writeResult('recuperacion', at, { runs });
