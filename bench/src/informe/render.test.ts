import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chartSvg } from '../soak/svg.js';
import { README, readResults } from './command.js';
import { BEGIN, currentSection, END, renderBenchmarks, replaceSection, type ResultFile } from './render.js';

const machine = {
  cpus: 2,
  model: 'CPU de prueba',
  totalmemBytes: 8 * 2 ** 30,
  node: 'v20.0.0',
  platform: 'linux',
};
const file = (name: string, doc: object): ResultFile => ({ name, text: JSON.stringify(doc) });

describe('README benchmarks section', () => {
  it('is what `npm run bench -- informe` generates from the committed results (run it after adding one)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(currentSection(readme)).toBe(renderBenchmarks(readResults()));
  });

  it('depends only on the files, not on their order or on when it runs', () => {
    const files = readResults();
    const once = renderBenchmarks(files);
    expect(renderBenchmarks([...files].reverse())).toBe(once);
    expect(renderBenchmarks(files)).toBe(once);
  });

  it('shows the latest result of each benchmark, by its recorded date', () => {
    const out = renderBenchmarks([
      file('x-2026-01-02T00-00-00.000Z.json', {
        benchmark: 'x',
        at: '2026-01-02T00:00:00.000Z',
        machine,
        valor: 2,
      }),
      file('x-2026-01-01T00-00-00.000Z.json', {
        benchmark: 'x',
        at: '2026-01-01T00:00:00.000Z',
        machine,
        valor: 1,
      }),
    ]);
    expect(out).toContain('| valor | 2 |');
    expect(out).not.toContain('| valor | 1 |');
  });

  it('shows results written before the command and machine were recorded', () => {
    const out = renderBenchmarks([
      file('hub-old.json', {
        benchmark: 'hub',
        params: {
          connections: 10,
          estadoIntervalMs: 500,
          txPerSecond: 5,
          durationS: 2,
          warmupS: 1,
          ceiling: false,
        },
        estacion: { load: { errors: {}, latency: null }, samples: { before: {}, connected: {}, end: {} } },
        techo: null,
      }),
      file('otro-2026-01-01T00-00-00.000Z.json', { benchmark: 'otro', params: { n: 3 } }),
    ]);
    expect(out).toContain(
      '`npm run bench -- hub --connections 10 --estado-interval-ms 500 --tx-per-second 5 --duration 2 --warmup 1 --no-ceiling` (rebuilt from the recorded parameters)',
    );
    expect(out).toContain('machine not recorded');
    expect(out).toContain('`npm run bench -- otro` (options not recorded)');
    expect(out).toContain('| params.n | 3 |');
  });

  it('shows a ventas result beside the raw better-sqlite3 floor of the same run, with where a sale goes', () => {
    const out = renderBenchmarks([
      file('ventas-2026-01-01T00-00-00.000Z.json', {
        benchmark: 'ventas',
        at: '2026-01-01T00:00:00.000Z',
        machine,
        params: { connections: 10, inFlight: 2, durationS: 5, warmupS: 1, profile: false },
        load: { latency: { p50: 1.5, p90: 2, p99: 3, max: 4 }, confirmed: 900, generatorCpuPct: 10 },
        salesPerS: 100,
        cpuPct: 50,
        cpuUsPerSale: 5000,
        rss: { before: 1024, end: 2048, peak: 3072 },
        commit: { commits: 10, rows: 900, meanBatch: 90, meanCommitMs: 2 },
        raw: {
          rows: 900,
          commits: 10,
          meanBatch: 90,
          seconds: 2.25,
          rowsPerS: 400,
          usPerRow: 2500,
          cpuPct: 40,
          pragmas: { synchronous: 2 },
        },
        ratioToRaw: 0.25,
        durability: { stored: 900, confirmed: 900, missing: 0, checked: true },
        profile: {
          busyUsPerSale: 4000,
          buckets: [
            { bucket: 'commit + fsync (SQLite)', ms: 900, usPerSale: 3000, pct: 90 },
            { bucket: 'GC', ms: 5, usPerSale: 10, pct: 0.5 },
            { bucket: 'timers', ms: 5, usPerSale: 20, pct: 0.25 },
          ],
        },
        problems: ['1 × error X'],
      }),
    ]);
    expect(out).toContain('### ventas: durable sales at saturation versus raw better-sqlite3');
    // Written before `command` was recorded: rebuilt from its parameters.
    expect(out).toContain(
      '`npm run bench -- ventas --surtidores 10 --en-vuelo 2 --duracion 5 --calentamiento 1 --no-perfil` (rebuilt from the recorded parameters)',
    );
    expect(out).toContain('2 × CPU de prueba, 8.0 GiB RAM, Node v20.0.0');
    expect(out).toContain('SQLite WAL, synchronous=FULL');
    expect(out).toContain('|  | estación | better-sqlite3 directo | estación/directo |');
    expect(out).toContain('| ventas confirmadas/s (directo: filas/s) | 100 | 400 | 0.250 |');
    // CPU per row of the floor: 40 % of its 2500 µs per row.
    expect(out).toContain('| CPU por venta (µs) | 5000.00 | 1000.00 | 5.00 |');
    expect(out).toContain('| latencia p99 (ms) | 3.00 |  |  |');
    expect(out).toContain('| RSS final / pico (MiB) | 2.0 / 3.0 |  |  |');
    expect(out).toContain('4000.00 µs busy per sale');
    expect(out).toContain('| commit + fsync (SQLite) | 3000.00 | 90.0 |');
    expect(out).toContain('| otros (2, < 1 % cada uno) | 30.00 | 0.8 |');
    expect(out).toContain('- 1 × error X');
  });

  it('shows a recuperacion result with one column per fleet size and its ratios to the same run', () => {
    const run = (surtidores: number, todosMs: number, problems: string[]) => ({
      params: { surtidores, procesos: 1, signal: 'SIGKILL', pausaS: 0 },
      registroInicialMs: 2000,
      paradaMs: 10,
      caidaMs: 500,
      todosMs,
      todosDesdeEscuchaMs: todosMs - 500,
      retorno: { p50: 1000, p90: null, p99: null, primero: 600 },
      admision: { tasa: 1000, rafaga: 1000, admitidos: surtidores, diferidos: 0 },
      rechazosSurtidores: { registro_diferido: 3 },
      cpuEstacion: { media: 50, picoSegundo: 90 },
      health: { p50: 1, p99: 2, max: 3 },
      maquina: { carga1m: 1, esperaCpuPct: null, tcp: null },
      target: surtidores <= 1000 ? 5 : 15,
      problems,
    });
    const out = renderBenchmarks([
      file('recuperacion-2026-01-01T00-00-00.000Z.json', {
        benchmark: 'recuperacion',
        at: '2026-01-01T00:00:00.000Z',
        command: 'npm run bench -- recuperacion --surtidores 1000,10000',
        machine,
        runs: [run(1000, 2500, []), run(10000, 20_500, ['volvieron todos en 20.5 s: más que el objetivo de 15 s'])],
      }),
    ]);
    expect(out).toContain('### recuperacion: N pumps back after the station is killed and restarted');
    expect(out).toContain('`npm run bench -- recuperacion --surtidores 1000,10000` · 2026-01-01 00:00 UTC');
    expect(out).toContain('SIGKILL a la estación');
    expect(out).toContain('| surtidores | 1000 | 10000 |');
    expect(out).toContain('| TODOS de vuelta (s) | 2.50 | 20.50 |');
    // 2 s and 20 s after listening, against 2 s to register the first time.
    expect(out).toContain('| ↳ ÷ registro inicial (misma corrida) | 1.00 | 10.00 |');
    expect(out).toContain('| ↳ TODOS de vuelta ÷ objetivo | 0.50 | 1.37 |');
    expect(out).toContain('| 90 % de vuelta (s) | n/d | n/d |');
    expect(out).toContain('| rechazos vistos por surtidores | 3 | 3 |');
    expect(out).toContain('| cumple | sí | no |');
    expect(out).toContain('- 10000: volvieron todos en 20.5 s: más que el objetivo de 15 s');
  });

  it('replaces only what lies between the markers, and appends the section when they are missing', () => {
    const section = `${BEGIN}\nnuevo\n${END}\n`;
    expect(replaceSection(`antes\n${BEGIN}\nviejo\n${END}\ndespués\n`, section)).toBe(`antes\n${section}después\n`);
    expect(replaceSection('solo texto\n', section)).toBe(`solo texto\n\n${section}`);
  });
});

describe('soak chart', () => {
  const chart = {
    title: 'prueba',
    minutes: [0, 1, 2, 3],
    warmupMinutes: 1,
    series: [{ title: 'RSS', unit: 'MiB', values: [10, null, 12, 13], color: '#000000' }],
  };

  it('gives the same bytes for the same samples', () => {
    expect(chartSvg(chart)).toBe(chartSvg(structuredClone(chart)));
  });

  it('breaks the line where a sample is missing instead of joining across it', () => {
    const svg = chartSvg(chart);
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });
});
