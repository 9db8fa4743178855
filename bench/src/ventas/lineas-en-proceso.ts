/**
 * The station's own CPU per pump line, without sockets: a whole station (startStation, SQLite in a
 * temp dir) in this process, 1000 pumps connected to hub.handle() through in-memory duplex pairs,
 * then rounds of one `estado` per pump, plus a sale every `cadaVenta` lines. Lines are built
 * before the clock starts, so what is measured is framing, parsing, validation, state, commits and
 * answers. Run it under `node --cpu-prof` and summarise with profile-summary.js (`--ventas` = lines).
 *
 *   node bench/dist/ventas/lineas-en-proceso.js [--rondas 200] [--cada-venta 20] [--raiz <raíz del repo>]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { stationArgs } from '../hub/run.js';

const N = 1000;
const argv = await yargs(hideBin(process.argv))
  .scriptName('lineas-en-proceso')
  .options({
    rondas: { type: 'number', default: 200, describe: 'Rondas de un estado por surtidor' },
    'cada-venta': { type: 'number', default: 20, describe: 'Una venta cada tantas líneas (0: sin ventas)' },
    raiz: {
      type: 'string',
      default: fileURLToPath(new URL('../../..', import.meta.url)),
      describe: 'Raíz del repositorio cuya estación (dist/) se mide',
    },
  })
  .strict()
  .version(false)
  .parseAsync();
const rounds = argv.rondas;
const saleEvery = argv['cada-venta'];
const root = argv.raiz;

type StationModule = {
  startStation: (
    config: unknown,
    deps: { log: unknown },
  ) => Promise<{ hub: { handle(s: Duplex, r: string): void }; stop(): Promise<void> }>;
};
const { parseArgs } = (await import(path.join(root, 'estacion/dist/cli.js'))) as {
  parseArgs: (argv: string[]) => unknown;
};
const { startStation } = (await import(path.join(root, 'estacion/dist/station.js'))) as StationModule;
const { createLogger, duplexPair } = (await import(path.join(root, 'shared/dist/index.js'))) as {
  createLogger: (o: object) => unknown;
  duplexPair: () => [Duplex, Duplex];
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'lineas-en-proceso-'));
// The benchmarks' station flags; no API rate limit and a wide clock drift (the lines carry the
// times they were built with).
const config = parseArgs([
  ...stationArgs(dir),
  ...['--max-pumps', '20000', '--rate-limit', '100000', '--max-clock-drift', '3600'],
]);
const station = await startStation(config, { log: createLogger({ name: 'estacion', level: 'warn', pretty: false }) });
const pumps: Duplex[] = [];
let answers = 0;
let errors = 0;
for (let id = 1; id <= N; id++) {
  const [a, b] = duplexPair();
  station.hub.handle(a, '127.0.0.1');
  b.on('data', (c: Buffer) => {
    if (c.includes('"error"')) errors++;
    for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) answers++;
  });
  b.write(
    `${JSON.stringify({ tipo: 'registro', id_surtidor: id, nombre: `Bench ${id}`, combustibles_soportados: ['95'], version: 'b', combustible_actual: '95' })}\n`,
  );
  pumps.push(b);
}
while (answers < N) await new Promise((r) => setTimeout(r, 10));

const now = Date.now();
const seq = new Array<number>(N + 1).fill(0);
const tot = new Array<number>(N + 1).fill(0);
const work: [number, string][][] = [];
let sales = 0;
let k = 0;
for (let r = 0; r < rounds; r++) {
  const round: [number, string][] = [];
  for (let id = 1; id <= N; id++) {
    const step = r % 5;
    const litros = step === 4 ? 0 : (step + 1) * 2.5;
    round.push([
      id - 1,
      `${JSON.stringify({ tipo: 'estado', id_surtidor: id, estado_operacion: step === 4 ? 'disponible' : 'despachando', litros_actuales: litros, monto_actual: Math.round(litros * 1350), tipo_combustible: '95', timestamp: new Date(now + r * 50).toISOString() })}\n`,
    ]);
    if (saleEvery > 0 && k++ % saleEvery === 0) {
      sales++;
      const l = 1 + (k % 60);
      const inicio = tot[id] as number;
      tot[id] = inicio + l;
      seq[id] = (seq[id] as number) + 1;
      round.push([
        id - 1,
        `${JSON.stringify({ tipo: 'transaccion_completada', id_surtidor: id, tipo_combustible: '95', litros: l, precio_por_litro: 1350, monto_total: l * 1350, metodo_pago: 'tarjeta', fecha_inicio: new Date(now - 90_000).toISOString(), fecha_fin: new Date(now).toISOString(), id_transaccion: `e-${k}`, secuencia: seq[id], totalizador_inicio: inicio, totalizador_fin: tot[id] })}\n`,
      ]);
    }
  }
  work.push(round);
}
const lines = rounds * N + sales;
const before = answers;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (const round of work) {
  for (const [p, line] of round) (pumps[p] as Duplex).write(line);
  await new Promise((r) => setImmediate(r));
}
while (answers - before < sales) await new Promise((r) => setImmediate(r));
const cpu = process.cpuUsage(cpu0);
const ms = performance.now() - t0;
console.log(
  `${lines} líneas (${sales} ventas) en ${ms.toFixed(0)} ms: ${((cpu.user + cpu.system) / lines).toFixed(2)} µs de CPU por línea, ` +
    `${((ms * 1000) / lines).toFixed(2)} µs de pared, ${errors} errores`,
);
await station.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
