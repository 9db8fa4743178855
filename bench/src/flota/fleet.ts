/**
 * The station fleet: `estaciones` light simulated stations spread over `procesos` shard processes
 * (shard.ts), so that listeners plus accepted sockets stay under each process's open-files limit.
 * The parent only forks, asks and sums; it can register the stations with a company through its
 * API (POST /api/estaciones, a bounded number at once).
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Child, forkNode } from '../hub/children.js';
import { ask } from '../hub/ipc.js';
import { contadoresVacios } from './estacion-simulada.js';
import type { EstacionEscuchando, EstadoShard, ShardCommand, ShardConfig, ShardMessage } from './types.js';

const SHARD = fileURLToPath(new URL('./shard.js', import.meta.url));
/** Stations per process at most: listener + company socket + a second client (the bench's base) each. */
export const MAX_POR_PROCESO = 5000;
const ASK_TIMEOUT_MS = 60_000;

export interface FlotaOptions {
  estaciones: number;
  procesos: number;
  prefijo: string;
  host: string;
  puertoBase: number;
  tokens: string[];
  /** Sales per second of each station. */
  ventasPorSeg: number;
  tickMs?: number;
  authTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export type EstadoFlota = Omit<EstadoShard, 'rssKiB'> & { rssKiB: number[] };

type Msg<T extends ShardMessage['type']> = Extract<ShardMessage, { type: T }>;

/** How many stations each of `procesos` shards takes (the first ones one more when it does not divide). */
export function reparto(estaciones: number, procesos: number): number[] {
  return Array.from(
    { length: procesos },
    (_, p) => Math.floor(estaciones / procesos) + (p < estaciones % procesos ? 1 : 0),
  ).filter((n) => n > 0);
}

export class Flota {
  private constructor(
    private readonly shards: Child[],
    /** Every station, in index order, with where it listens. */
    readonly estaciones: EstacionEscuchando[],
    private readonly tamanos: number[],
  ) {}

  get pids(): number[] {
    return this.shards.flatMap((s) => (s.proc.pid === undefined ? [] : [s.proc.pid]));
  }

  static async start(o: FlotaOptions): Promise<Flota> {
    const tamanos = reparto(o.estaciones, o.procesos);
    if (tamanos.some((n) => n > MAX_POR_PROCESO))
      throw new Error(
        `más de ${MAX_POR_PROCESO} estaciones por proceso: use --procesos ${Math.ceil(o.estaciones / MAX_POR_PROCESO)} o más`,
      );
    let primer = 1;
    const shards = tamanos.map((cantidad, p) => {
      const cfg: ShardConfig = {
        primerIndice: primer,
        cantidad,
        prefijo: o.prefijo,
        host: o.host,
        puertoBase: o.puertoBase,
        tokens: o.tokens,
        ventasPorSeg: o.ventasPorSeg,
        tickMs: o.tickMs ?? 100,
        authTimeoutMs: o.authTimeoutMs ?? 10_000,
        idleTimeoutMs: o.idleTimeoutMs ?? 120_000,
      };
      primer += cantidad;
      return forkNode(`flota ${p + 1}`, SHARD, [JSON.stringify(cfg)]);
    });
    try {
      const listening = await Promise.all(
        shards.map((s) => ask<Msg<'escuchando'>>(s, null, 'escuchando', ASK_TIMEOUT_MS)),
      );
      return new Flota(
        shards,
        listening.flatMap((m) => m.estaciones),
        tamanos,
      );
    } catch (err) {
      await Promise.all(shards.map((s) => s.stop(2000)));
      throw err;
    }
  }

  private askAll<T extends ShardMessage['type']>(cmd: ShardCommand, answer: T): Promise<Msg<T>[]> {
    return Promise.all(this.shards.map((s) => ask<Msg<T>>(s, cmd, answer as Msg<T>['type'], ASK_TIMEOUT_MS)));
  }

  /** From now on each station notes when it first receives `actualizacion_precios` of `version` or newer. */
  async armar(version: number): Promise<void> {
    await this.askAll({ type: 'armar', version }, 'armada');
  }

  /** Per station (index order): when (epoch ms) it received the armed version; null: not yet. */
  async recepciones(): Promise<(number | null)[]> {
    return (await this.askAll({ type: 'recepciones' }, 'recepciones')).flatMap((m) => m.tiempos);
  }

  /** Sets the sales rate of every station (per second each). */
  async ventas(porSegundo: number): Promise<void> {
    await this.askAll({ type: 'ventas', porSegundo }, 'ventas-ok');
  }

  async estado(): Promise<EstadoFlota> {
    const all = (await this.askAll({ type: 'estado' }, 'estado')).map((m) => m.estado);
    const total: EstadoFlota = {
      estaciones: 0,
      conexiones: 0,
      autenticadas: 0,
      suscritas: 0,
      versiones: {},
      ventas: 0,
      confirmadas: 0,
      contadores: contadoresVacios(),
      rssKiB: [],
    };
    for (const e of all) {
      total.estaciones += e.estaciones;
      total.conexiones += e.conexiones;
      total.autenticadas += e.autenticadas;
      total.suscritas += e.suscritas;
      total.ventas += e.ventas;
      total.confirmadas += e.confirmadas;
      total.rssKiB.push(e.rssKiB);
      for (const [v, n] of Object.entries(e.versiones)) total.versiones[v] = (total.versiones[v] ?? 0) + n;
      for (const k of Object.keys(total.contadores) as (keyof typeof total.contadores)[])
        total.contadores[k] += e.contadores[k];
    }
    return total;
  }

  /** Stations per shard process. */
  get reparto(): readonly number[] {
    return this.tamanos;
  }

  async close(): Promise<void> {
    for (const s of this.shards) if (s.proc.connected) s.proc.send({ type: 'cerrar' } satisfies ShardCommand);
    await Promise.all(this.shards.map((s) => s.stop(5000)));
  }
}

export interface Registro {
  registradas: number;
  /** Already registered (409): taken as they are. */
  existentes: number;
  ms: number;
}

/** `Authorization` for the company API: a token as given, or a session of `usuario`/`clave`. */
export async function credencialEmpresa(
  api: string,
  cred: { token?: string | undefined; usuario?: string | undefined; clave?: string | undefined },
): Promise<Record<string, string>> {
  if (cred.token) return { authorization: `Bearer ${cred.token}` };
  if (!cred.usuario || !cred.clave) throw new Error('indique --token-api, o --usuario y --clave, para la empresa');
  const res = await fetch(new URL('/api/sesion', api), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ usuario: cred.usuario, clave: cred.clave }),
  });
  if (!res.ok) throw new Error(`no se pudo iniciar sesión en ${api}: HTTP ${res.status} ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };
  return { authorization: `Bearer ${token}` };
}

/**
 * Registers every station with the company (POST /api/estaciones), `concurrencia` at a time; a
 * 429 is retried after its Retry-After, a 409 counts as already registered.
 */
export async function registrar(
  api: string,
  auth: Record<string, string>,
  estaciones: readonly EstacionEscuchando[],
  opts: { concurrencia: number; progreso?: (hechas: number) => void },
): Promise<Registro> {
  const started = performance.now();
  const result: Registro = { registradas: 0, existentes: 0, ms: 0 };
  let next = 0;
  const url = new URL('/api/estaciones', api);
  const una = async (e: EstacionEscuchando) => {
    for (;;) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ id_estacion: e.id, nombre: `Flota ${e.id}`, host: e.host, puerto: e.puerto }),
      });
      if (res.status === 201) {
        await res.arrayBuffer();
        result.registradas += 1;
        return;
      }
      if (res.status === 409) {
        await res.arrayBuffer();
        result.existentes += 1;
        return;
      }
      if (res.status === 429) {
        await res.arrayBuffer();
        const wait = Number(res.headers.get('retry-after') ?? '1');
        await new Promise((r) => setTimeout(r, Math.max(0.1, wait) * 1000));
        continue;
      }
      throw new Error(`registro de ${e.id}: HTTP ${res.status} ${await res.text()}`);
    }
  };
  const worker = async () => {
    while (next < estaciones.length) {
      const e = estaciones[next++];
      if (!e) return;
      await una(e);
      opts.progreso?.(result.registradas + result.existentes);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrencia) }, worker));
  result.ms = performance.now() - started;
  return result;
}
