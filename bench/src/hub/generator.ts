/**
 * Both sides of a load generator that runs in its own process (the hub's and the sales'): the
 * child registers its pumps in batches, says so, waits for `start`, runs its window and sends its
 * result; the parent forks it, samples the server at each step and gets the result. Neither side
 * waits forever: the child gives up after its budget, the parent a little later.
 */
import { type Child, forkNode } from './children.js';
import { fromParent, toParent } from './ipc.js';

/** What sizes a generator's run (the fields LoadConfig and SaleLoadConfig share). */
export interface GeneratorLoad {
  connections: number;
  /** Connections opened (and registered) at once. */
  batchSize: number;
  /** Per connection: connect + `registro` → `registro_confirmado`. */
  registerTimeoutMs: number;
  warmupS: number;
  durationS: number;
  /** After the window, how long to wait for the outstanding confirmations. */
  drainMs: number;
}

/** Generator → parent. */
export type GeneratorMessage<R> =
  | { type: 'registered'; registered: number; failures: number; ms: number }
  | { type: 'window-start' }
  | { type: 'window-end' }
  | { type: 'result'; result: R }
  | { type: 'fatal'; message: string };

/** Parent → generator. */
export type GeneratorCommand = { type: 'start' };

/** The longest a whole run may take: every batch at its registration timeout, the window, the drain. */
export function generatorBudgetMs(cfg: GeneratorLoad, marginMs: number): number {
  return (
    Math.ceil(cfg.connections / cfg.batchSize) * cfg.registerTimeoutMs +
    (cfg.warmupS + cfg.durationS) * 1000 +
    cfg.drainMs +
    marginMs
  );
}

/** The child's margin over the run, and the parent's (larger: the child's own report comes first). */
const CHILD_MARGIN_MS = 40_000;
const PARENT_MARGIN_MS = 60_000;

/** In the child: the message to the parent (resolves once handed over). */
export const report = <R>(msg: GeneratorMessage<R>) => toParent(msg);

/**
 * The measured window as the generator times it: its span and the generator's own CPU over it
 * (near 100 % means the generator, not the server, was the limit). Tells the parent when it
 * opens and closes, so the parent samples the server at the same moments.
 */
export class MeasuredWindow {
  private startMs = 0;
  private endMs = 0;
  private cpuStart = process.cpuUsage();
  private cpuUsedMs = 0;

  open(now: number): void {
    this.startMs = now;
    this.cpuStart = process.cpuUsage();
    void report({ type: 'window-start' });
  }

  close(now: number): void {
    this.endMs = now;
    const cpu = process.cpuUsage(this.cpuStart);
    this.cpuUsedMs = (cpu.user + cpu.system) / 1000;
    void report({ type: 'window-end' });
  }

  get ms(): number {
    return this.endMs - this.startMs;
  }

  /** The generator's CPU over the window, % of one core. */
  get cpuPct(): number {
    return this.ms > 0 ? (this.cpuUsedMs / this.ms) * 100 : 0;
  }
}

/** A generator's run: registers its pumps (the failures, if any), then runs its window. */
export interface GeneratorRun<R> {
  readonly registerMs: number;
  register(): Promise<string[]>;
  run(): Promise<R>;
}

/** The child's whole life: config from argv[2], register, `registered`, wait for `start`, run, `result`, exit. */
export function generatorMain<C extends GeneratorLoad, R>(makeRun: (cfg: C) => GeneratorRun<R>): void {
  const main = async () => {
    const cfg = JSON.parse(process.argv[2] ?? '{}') as C;
    // The parent owns this process: when it goes away, so do we.
    process.on('disconnect', () => process.exit(3));
    const budgetMs = generatorBudgetMs(cfg, CHILD_MARGIN_MS);
    setTimeout(() => {
      void report({ type: 'fatal', message: `generador: sin terminar en ${budgetMs} ms` }).then(() => process.exit(2));
    }, budgetMs).unref();
    const run = makeRun(cfg);
    const started = fromParent((m): m is GeneratorCommand => (m as GeneratorCommand | null)?.type === 'start');
    const failures = await run.register();
    if (failures.length > 0) {
      const sample = failures.slice(0, 3).join('; ');
      await report({ type: 'fatal', message: `${failures.length} conexiones no se registraron: ${sample}` });
      process.exit(1);
    }
    await report({ type: 'registered', registered: cfg.connections, failures: 0, ms: run.registerMs });
    await started;
    const result = await run.run();
    await report({ type: 'result', result });
    process.exit(0);
  };
  main().catch(async (err: unknown) => {
    await report({ type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  });
}

/** What the parent does at each step of the generator's run. */
export interface DriveHooks {
  /** Every pump registered: resolves when the window may start (e.g. after sampling the server). */
  onRegistered(): Promise<void>;
  onWindowStart(): void;
  onWindowEnd(): void;
}

/**
 * In the parent: forks the generator `script` with `cfg` against `server` and resolves with its
 * result; rejects on its `fatal`, on its exit or the server's before the result, or after the
 * budget. The generator is stopped whatever happens.
 */
export async function driveGenerator<R>(
  server: Child,
  script: string,
  cfg: GeneratorLoad,
  hooks: DriveHooks,
): Promise<R> {
  const generator = forkNode('generador', script, [JSON.stringify(cfg)]);
  const budgetMs = generatorBudgetMs(cfg, PARENT_MARGIN_MS);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<R>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`sin resultado del generador en ${budgetMs} ms`)), budgetMs);
      generator.proc.on('message', (m: GeneratorMessage<R>) => {
        if (m.type === 'registered') {
          hooks.onRegistered().then(
            () => {
              if (generator.proc.connected) generator.proc.send({ type: 'start' } satisfies GeneratorCommand);
            },
            (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
          );
        } else if (m.type === 'window-start') hooks.onWindowStart();
        else if (m.type === 'window-end') hooks.onWindowEnd();
        else if (m.type === 'result') resolve(m.result);
        else if (m.type === 'fatal') reject(new Error(`generador: ${m.message}`));
      });
      // A last IPC message may be delivered just after 'exit': give it a moment.
      void generator.exited.then(({ code, signal }) =>
        setTimeout(() => reject(new Error(`el generador terminó (${signal ?? code}) sin entregar resultados`)), 1000),
      );
      void server.exited.then(({ code, signal }) =>
        reject(new Error(`${server.name} terminó (${signal ?? code}) durante la carga`)),
      );
    });
  } finally {
    clearTimeout(timer);
    await generator.stop(2000);
  }
}
