/**
 * `bench pares` as a table (each figure beside its ratio to the minimal Node server) and as the
 * JSON under bench/results/. Everything here reads the saved document, not the live run, so the
 * README (informe/) renders the very same table from a committed result.
 */
import type { machineInfo } from '../hub/report.js';
import { num, type Table } from '../table.js';
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

const sat = (r: TargetResult) => r.saturation?.steps.at(-1);
const clientCpu = (r: TargetResult) => {
  const c = sat(r)?.cpu;
  return c?.generators === null || c?.generators === undefined ? null : c.generators + (c.subscriber ?? 0);
};

function rows(run: ParesRun): Row[] {
  const used = run.fixedRate.used;
  const fixedRate = `${num(used.estadoPerS)} estado/s + ${num(used.ventasPerS)} ventas/s`;
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
      value: (r) => sat(r)?.cpu.server,
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
      value: (r) => sat(r)?.cpu.machine,
      digits: 0,
      ratio: false,
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
export function paresTable(doc: ParesDoc): Table {
  const shown = doc.results.filter((r) => !r.skipped);
  const head = [''];
  for (const r of shown) {
    head.push(TARGET_LABEL[r.target]);
    if (r.target !== 'techo' && shown.some((b) => b.target === 'techo'))
      head.push(`${TARGET_LABEL[r.target]}/techo`);
  }
  const base = shown.find((r) => r.target === 'techo');
  const table: Table = { head, rows: [] };
  for (const row of rows(doc)) {
    const cells = [row.label];
    for (const r of shown) {
      const v = row.value(r);
      const bound = row.lowerBound?.(r) ?? false;
      cells.push(v === null || v === undefined ? 'n/d' : `${bound ? '≥ ' : ''}${num(v, row.digits)}`);
      if (!base || r.target === 'techo') continue;
      const baseBound = row.lowerBound?.(base) ?? false;
      const ratio = num(doc.ratios[r.target]?.[row.key], 2);
      // x ≥ a over y ≥ b bounds nothing; over an exact y it is ≥ a/y; an exact x over y ≥ b is ≤ x/b.
      cells.push(
        !row.ratio
          ? ''
          : bound && baseBound
            ? 'n/c'
            : bound
              ? `≥ ${ratio}`
              : baseBound
                ? `≤ ${ratio}`
                : ratio,
      );
    }
    table.rows.push(cells);
  }
  return table;
}

/** A process this busy (% of one core) is at its own limit: Node and mosquitto run on one thread. */
const AT_LIMIT = 85;
/** The machine this busy (share of all cores) leaves nobody a core of their own. */
const MACHINE_FULL = 0.9;

/**
 * Which side gave way in the last sweep step, and whether it was its own limit (its core busy)
 * or the machine's (every core taken, by us or by other people's work on a shared box).
 */
function whoGaveWay(limit: Limit, rate: number, c: Step['cpu'], cores: number): string {
  const full = c.machine !== null && c.machine >= cores * 100 * MACHINE_FULL;
  const machine = `la máquina estaba llena (${num(c.machine)} % de ${cores * 100} %, otros procesos ${num(c.others)} %)`;
  const side = (who: string, busy: number | null) =>
    busy !== null && busy >= AT_LIMIT
      ? `${who} a ${num(busy)} % de un núcleo: su propio límite`
      : full
        ? `${who} con solo ${num(busy)} % de un núcleo: ${machine}`
        : `${who} con ${num(busy)} % de un núcleo, sin llenar la máquina: no fue la CPU`;
  const at = `a ${num(rate)}/s ofrecidos`;
  switch (limit) {
    case 'servidor':
      return `${at} cedió el servidor (${side('servidor', c.server)})`;
    case 'generador':
      return `${at} cedió el generador, no el servidor (${side('el generador más ocupado', c.generatorMax)})`;
    case 'ambos':
      return `${at} cedieron los dos lados (${side('servidor', c.server)}; ${side('el generador más ocupado', c.generatorMax)})`;
    case 'ninguno':
      return `hasta ${num(rate)}/s ofrecidos (la tasa máxima del barrido) no cedió ningún lado`;
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
      `${TARGET_LABEL[r.target]}: ${whoGaveWay(s.limit, last.offeredPerS, c, doc.machine.cpus)}` +
        (last.reasons.length > 0 ? `: ${last.reasons.join('; ')}` : '') +
        `. CPU: servidor ${num(c.server)} %, generadores ${num(c.generators)} %` +
        (c.subscriber === null ? '' : `, suscriptor ${num(c.subscriber)} %`) +
        `, máquina ${num(c.machine)} % (otros procesos ${num(c.others)} %)`,
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
