/**
 * `bench pares` as a table (each figure beside its ratio to the minimal Node server) and as the
 * JSON under bench/results/. Everything here reads the saved document, not the live run, so the
 * README (informe/) renders the very same table from a committed result.
 */
import { fmt, type machineInfo, type TableCells } from '../hub/report.js';
import type { Limit, ParesRun, Step, TargetResult } from './run.js';
import type { TargetName } from './targets.js';

export interface ParesDoc extends ParesRun {
  benchmark: 'pares';
  at: string;
  command: string;
  machine: ReturnType<typeof machineInfo>;
  /** Each figure / the minimal server's, by target (null where either is missing). */
  ratios: Partial<Record<TargetName, Record<string, number | null>>>;
  /** What each server does per message: the figures compare different amounts of work. */
  perMessage: Record<TargetName, string>;
}

/** Said in every report, because the figures mean little without it. */
export const PER_MESSAGE: Record<TargetName, string> = {
  estacion:
    'valida cada línea contra el esquema del protocolo (zod), actualiza el estado en vivo del surtidor y lo publica ' +
    'a los paneles; cada venta se valida (montos, secuencia, totalizador) y se confirma solo tras escribirla de forma ' +
    'durable (SQLite, commit agrupado con fsync)',
  techo:
    'cuenta los saltos de línea y analiza como JSON solo las líneas que debe contestar (registro, venta); la venta se ' +
    'confirma al leerla, sin validar ni guardar nada: lo mínimo que cuesta Node para este tráfico',
  mosquitto:
    'analiza el paquete MQTT y lo reparte al suscriptor (QoS 0 el estado, QoS 1 la venta, guardada en memoria hasta ' +
    'su PUBACK); el PUBACK al surtidor sale al recibir la venta, sin validar el contenido ni persistirlo (persistence false)',
  aedes:
    'como mosquitto (analiza, reparte al suscriptor, PUBACK al recibir), escrito en Node, con la persistencia en ' +
    'memoria por defecto: nada de lo recibido sobrevive a un reinicio',
};

export const TARGET_LABEL: Record<TargetName, string> = {
  estacion: 'estación',
  techo: 'techo',
  mosquitto: 'mosquitto',
  aedes: 'aedes',
};

interface Row {
  label: string;
  key: string;
  value: (r: TargetResult) => number | null | undefined;
  digits: number;
  /** The figure is only a lower bound (shown with ≥; its ratio becomes a bound too, or n/c). */
  lowerBound?: (r: TargetResult) => boolean;
  ratio: boolean;
}

/** The step that ended the sweep (who gave way). */
const sat = (r: TargetResult) => r.saturation?.steps.at(-1);
/** The step of the highest throughput (older results without `peak`: the last one). */
const peak = (r: TargetResult) => r.saturation?.steps[r.saturation.peak ?? -1] ?? sat(r);
const clientCpu = (r: TargetResult) => {
  const c = peak(r)?.cpu;
  return c?.generators === null || c?.generators === undefined ? null : c.generators + (c.subscriber ?? 0);
};

function rows(run: ParesRun): Row[] {
  const used = run.fixedRate.used;
  const fixedRate = `${fmt(used.estadoPerS, 0)} estado/s + ${fmt(used.ventasPerS, 0)} ventas/s`;
  return [
    {
      key: 'saturacion',
      label: 'mensajes/s a saturación',
      value: (r) => r.saturation?.messagesPerS,
      lowerBound: (r) => r.saturation?.lowerBound ?? false,
      digits: 0,
      ratio: true,
    },
    {
      key: 'cpuServidorSat',
      label: '  CPU servidor en ese escalón (% de 1 núcleo)',
      value: (r) => peak(r)?.cpu.server,
      digits: 0,
      ratio: false,
    },
    {
      key: 'hiloEsperaSat',
      label: '  su hilo principal esperando CPU (% del tiempo)',
      value: (r) => peak(r)?.cpu.serverThread?.wait,
      digits: 0,
      ratio: false,
    },
    {
      key: 'cpuClientesSat',
      label: '  CPU clientes en ese escalón (% de 1 núcleo)',
      value: clientCpu,
      digits: 0,
      ratio: false,
    },
    {
      key: 'cpuMaquinaSat',
      label: '  CPU de la máquina en ese escalón (% de 1 núcleo)',
      value: (r) => peak(r)?.cpu.machine,
      digits: 0,
      ratio: false,
    },
    {
      key: 'porSegundoDeHilo',
      label: '  estimación con un núcleo propio (mensajes por s de CPU del hilo principal)',
      value: (r) => r.saturation?.perThreadSecond,
      digits: 0,
      ratio: true,
    },
    {
      key: 'cpuMsPor10k',
      label: `CPU servidor por 10k mensajes (ms), a ${fixedRate}`,
      value: (r) => r.fixed?.cpuMsPer10k,
      digits: 1,
      ratio: true,
    },
    {
      key: 'cpuClientesMsPor10k',
      label: '  CPU clientes por 10k mensajes (ms)',
      value: (r) => r.fixed?.clientCpuMsPer10k,
      digits: 1,
      ratio: false,
    },
    {
      key: 'p50',
      label: 'venta → confirmación p50 (ms)',
      value: (r) => r.fixed?.window.latency?.p50,
      digits: 2,
      ratio: true,
    },
    {
      key: 'p99',
      label: 'venta → confirmación p99 (ms)',
      value: (r) => r.fixed?.window.latency?.p99,
      digits: 2,
      ratio: true,
    },
    ...run.params.idle.map((n): Row => ({
      key: `rssPorConexion${n}`,
      label: `RSS por conexión inactiva con ${n} (KiB)`,
      value: (r) => r.idle?.points.find((p) => p.connections === n)?.rssPerConnectionKiB,
      digits: 1,
      ratio: true,
    })),
    ...run.params.idle.slice(-2, -1).map((from): Row => {
      const to = run.params.idle.at(-1);
      return {
        key: `rssMarginal${to}`,
        label: `  RSS por conexión adicional de ${from} a ${to} (KiB)`,
        value: (r) => r.idle?.points.find((p) => p.connections === to)?.marginalKiB,
        digits: 1,
        ratio: true,
      };
    }),
  ];
}

const ratioOf = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;

/** Each ratio-bearing figure of each target over the minimal server's. */
export function ratios(run: ParesRun): ParesDoc['ratios'] {
  const base = run.results.find((r) => r.target === 'techo');
  const out: ParesDoc['ratios'] = {};
  if (!base) return out;
  for (const r of run.results) {
    if (r.target === 'techo' || r.skipped) continue;
    const entry: Record<string, number | null> = {};
    for (const row of rows(run)) if (row.ratio) entry[row.key] = ratioOf(row.value(r), row.value(base));
    out[r.target] = entry;
  }
  return out;
}

/** Label column, then each server's figure, and beside each one but the baseline its ratio to it. */
export function paresTable(doc: ParesDoc): TableCells {
  const shown = doc.results.filter((r) => !r.skipped);
  const base = shown.find((r) => r.target === 'techo');
  const header: string[] = [];
  for (const r of shown) {
    header.push(TARGET_LABEL[r.target]);
    if (base && r.target !== 'techo') header.push(`${TARGET_LABEL[r.target]}/techo`);
  }
  const table: TableCells = { header, rows: [] };
  for (const row of rows(doc)) {
    const cells: string[] = [];
    for (const r of shown) {
      const v = row.value(r);
      const bound = row.lowerBound?.(r) ?? false;
      cells.push(v === null || v === undefined ? 'n/d' : `${bound ? '≥ ' : ''}${fmt(v, row.digits)}`);
      if (!base || r.target === 'techo') continue;
      const baseBound = row.lowerBound?.(base) ?? false;
      const ratio = fmt(doc.ratios[r.target]?.[row.key], 2);
      // x ≥ a over y ≥ b bounds nothing; over an exact y it is ≥ a/y; an exact x over y ≥ b is ≤ x/b.
      cells.push(
        !row.ratio ? '' : bound && baseBound ? 'n/c' : bound ? `≥ ${ratio}` : baseBound ? `≤ ${ratio}` : ratio,
      );
    }
    table.rows.push({ label: row.label, cells });
  }
  return table;
}

/** A main thread on a CPU this much of the time (%) is at its own limit: the loop runs on it. */
const AT_LIMIT = 85;
/** A main thread waiting this much of the time (%) for a CPU was starved by the machine. */
const STARVED = 20;
/** Other people's CPU (% of one core) below which the machine counts as ours alone. */
const OTHERS_NOTICEABLE = 20;

type ThreadShare = { run: number; wait: number } | null | undefined;

/**
 * Why one side gave way: its own limit (its main thread on a CPU nearly all the time), the
 * machine's (ready to run but waiting for a CPU: every core taken, by us or by other people's
 * work on a shared box), or neither (blocked — a synchronous write to disk, say — or idle).
 * Results saved before the thread figures existed fall back to the process's CPU.
 */
function why(who: string, thread: ThreadShare, cpu: number | null, c: Step['cpu']): string {
  const machine = `máquina ${fmt(c.machine, 0)} %, otros procesos ${fmt(c.others, 0)} %`;
  if (!thread) return `${who} con ${fmt(cpu, 0)} % de un núcleo; ${machine}`;
  const share = `hilo principal en CPU ${fmt(thread.run, 0)} % del tiempo, esperando CPU ${fmt(thread.wait, 0)} %`;
  if (thread.run >= AT_LIMIT) return `${who}: ${share}: su propio límite`;
  if (thread.wait >= STARVED) {
    // Whose work filled the machine matters: ours (the generators) or someone else's.
    const byWhom =
      c.others !== null && c.others < OTHERS_NOTICEABLE
        ? `ocupada por la propia prueba (generadores ${fmt(c.generators, 0)} %, servidor ${fmt(c.server, 0)} %)`
        : `ocupada (${machine})`;
    return `${who}: ${share}: le faltó CPU, la máquina estaba ${byWhom}`;
  }
  return `${who}: ${share}: el resto del tiempo bloqueado o sin trabajo, no fue la CPU`;
}

/** Which side gave way in the last sweep step, and why (see why()). */
function whoGaveWay(limit: Limit, rate: number, c: Step['cpu']): string {
  const server = () => why('servidor', c.serverThread, c.server, c);
  const generator = () =>
    // The busiest generator at its limit says more than the one that waited longest.
    c.generatorMax !== null && c.generatorMax >= AT_LIMIT
      ? `el generador más ocupado a ${fmt(c.generatorMax, 0)} % de un núcleo: su propio límite`
      : why('el generador que más esperó', c.generatorThread, c.generatorMax, c);
  const at = `a ${fmt(rate, 0)}/s ofrecidos`;
  switch (limit) {
    case 'servidor':
      return `${at} cedió el servidor (${server()})`;
    case 'generador':
      return `${at} cedió el generador, no el servidor (${generator()})`;
    case 'ambos':
      return `${at} cedieron los dos lados (${server()}; ${generator()})`;
    case 'ninguno':
      return `hasta ${fmt(rate, 0)}/s ofrecidos (la tasa máxima del barrido) no cedió ningún lado`;
  }
}

/** Per server: which side gave way at saturation, with the CPU of each side and of the machine. */
export function saturationLines(doc: ParesDoc): string[] {
  return doc.results.flatMap((r) => {
    if (r.skipped) return [`${TARGET_LABEL[r.target]}: omitido (${r.skipped})`];
    const s = r.saturation;
    const last = sat(r);
    if (!s || !last) return [`${TARGET_LABEL[r.target]}: sin barrido (${r.failures.join('; ') || 'n/d'})`];
    const c = last.cpu;
    return [
      `${TARGET_LABEL[r.target]}: ${whoGaveWay(s.limit, last.offeredPerS, c)}` +
        (last.reasons.length > 0 ? `: ${last.reasons.join('; ')}` : '') +
        `. CPU: servidor ${fmt(c.server, 0)} %, generadores ${fmt(c.generators, 0)} %` +
        (c.subscriber === null ? '' : `, suscriptor ${fmt(c.subscriber, 0)} %`) +
        `, máquina ${fmt(c.machine, 0)} % de ${doc.machine.cpus * 100} % (otros procesos ${fmt(c.others, 0)} %)`,
    ];
  });
}

export function paresHeader(doc: ParesDoc): string {
  const p = doc.params;
  const m = doc.machine;
  return [
    `Pares: ${p.connections} conexiones, ${p.generators} procesos generadores; estado QoS 0 / venta QoS 1 en MQTT; ` +
      `barrido desde ${p.sweep.startPerS}/s ×${p.sweep.factor} en escalones de ${p.sweep.stepS} s; ` +
      `tasa fija ${p.warmupS} s + ${p.windowS} s; conexiones inactivas ${p.idle.join(', ')}`,
    `Máquina: ${m.cpus} × ${m.model}, ${(m.totalmemBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}`,
  ].join('\n');
}
