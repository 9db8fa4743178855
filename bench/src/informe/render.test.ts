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
