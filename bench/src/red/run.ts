/**
 * `bench red`: one company (`empresa serve`, temp SQLite store) and N fleet stations (flota/),
 * for each N:
 *
 *   1. the fleet listens; the company's RSS is read; the N stations are registered
 *      (POST /api/estaciones, bounded parallel) and the company connects to each;
 *   2. once every station is synchronized (GET /api/estaciones: all `al_dia`), the company is
 *      restarted on the same store (time until every link is back), and its RSS read again:
 *      (after − before) / N is its RSS per station link, without the garbage of N registrations;
 *   3. price rounds: `PUT /api/precios`, then each station's receipt time of the new version (the
 *      fleet notes it, epoch ms), from just before the PUT; and the time until the company shows
 *      every station acknowledging it (polled only once the fleet has it everywhere);
 *   4. the baseline, same run, same sockets: a minimal Node client (base.ts) connects to every
 *      station and writes the same `actualizacion_precios` line to each in one loop; receipts
 *      timed from before its loop; its RSS per connection;
 *   5. sales upstream: when the company subscribes to reports, the fleet sells at the offered rate
 *      for a window; the rate of sales the company acknowledged (after its durable write) is what
 *      it ingests.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { type BenchCompany, getJson, pollUntil, startBenchCompany } from '../empresa.js';
import { type Child, forkNode, removeTempDir, tempDir } from '../hub/children.js';
import { ask } from '../hub/ipc.js';
import { cpuPercent, sampleProc } from '../hub/proc-stats.js';
import { summarize } from '../hub/stats.js';
import type { LatencySummary } from '../hub/types.js';
import { Flota, registrar } from '../flota/fleet.js';
import type { BaseCommand, BaseMessage } from './base.js';

const BASE = fileURLToPath(new URL('./base.js', import.meta.url));
/** Stations per fleet process. */
const POR_PROCESO = 4000;
const SYNC_TIMEOUT_MS = 10 * 60_000;
const ROUND_TIMEOUT_MS = 60_000;
const FLEET_POLL_MS = 20;
const SETTLE_MS = 2000;

export interface RedParams {
  estaciones: number[];
  rondas: number;
  calentamiento: number;
  /** Sales per second offered by the whole fleet in the ingest window. */
  ventasPorSeg: number;
  duracionVentasS: number;
  concurrencia: number;
}

export interface Rondas {
  /** ms from just before the PUT (or the base's loop) to each station's receipt, all rounds pooled. */
  recepcion: LatencySummary | null;
  /** Per round: ms until the last station had it. */
  ultimas: number[];
}

export interface SizeResult {
  estaciones: number;
  procesos: number;
  conexion: {
    /** All POST /api/estaciones answered. */
    registroMs: number;
    /** From the first POST until every station is synchronized at the company. */
    sincronizadasMs: number;
    /** Company CPU from the first POST to synchronized, per link. */
    cpuMsPorEnlace: number | null;
    /** From the restart of the company (same store) until every station is synchronized again. */
    reinicioMs: number;
  };
  empresa: {
    /** The fresh company, no station yet. */
    rssAntesKiB: number | null;
    /** Restarted with the N stations in its store, every link synchronized. */
    rssDespuesKiB: number | null;
    rssPorEnlaceKiB: number | null;
    /** ms from just before the PUT until GET /api/estaciones shows every station al día, per round. */
    confirmadas: LatencySummary | null;
    /** Company CPU (% of one core) over the measured rounds, PUT → all confirmed. */
    cpuPct: number | null;
    precios: Rondas;
  };
  base: {
    rssPorConexionKiB: number | null;
    conexionMs: number;
    precios: Rondas;
  };
  /** empresa / base. */
  ratios: { p99: number | null; max: number | null; rss: number | null };
  ventas: {
    ofrecidasPorSeg: number;
    /** Sales the fleet made per second over the window (what was really offered). */
    generadasPorSeg: number;
    /** Sales acknowledged by the company (durable) per second over the window. */
    confirmadasPorSeg: number;
    /** Company connections the fleet accepted during the window (links that dropped and came back). */
    reconexiones: number;
    ventanaS: number;
    suscritas: number;
    cpuPct: number | null;
  } | null;
  /** Why there is no ingest figure, when there is none. */
  ventasNota: string | null;
  problems: string[];
}

export interface RedRun {
  params: RedParams;
  sizes: SizeResult[];
  loadavg: { start: number; end: number };
}

interface EstacionApi {
  al_dia: boolean;
}

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;

/** Every registered station `al_dia` (acknowledged the newest version), reading all pages. */
async function allConfirmed(company: BenchCompany, n: number): Promise<boolean> {
  let seen = 0;
  for (let skip = 0; skip < n; skip += 1000) {
    const page = await getJson<EstacionApi[]>(`${company.api}/api/estaciones?limit=1000&skip=${skip}`, {
      headers: company.auth,
    });
    if (!page.every((e) => e.al_dia)) return false;
    seen += page.length;
  }
  return seen === n;
}

/** Waits until every station of the fleet noted the armed version; the receipt times. */
async function fleetReceipts(flota: Flota, timeoutMs: number): Promise<number[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const times = await flota.recepciones();
    if (times.every((t) => t !== null)) return times;
    if (performance.now() > deadline) {
      const missing = times.filter((t) => t === null).length;
      throw new Error(`${missing} estaciones sin la versión en ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, FLEET_POLL_MS));
  }
}

const rondas = (lat: number[][]): Rondas => ({
  recepcion: summarize(lat.flat()),
  ultimas: lat.map((l) => Math.max(...l)),
});

export async function runRedSize(
  n: number,
  params: Omit<RedParams, 'estaciones'>,
  progress: (line: string) => void,
): Promise<SizeResult> {
  const problems: string[] = [];
  const dir = tempDir('bench-red-empresa-');
  let company: BenchCompany | undefined;
  let flota: Flota | undefined;
  let base: Child | undefined;
  const procesos = Math.max(1, Math.ceil(n / POR_PROCESO));
  try {
    company = await startBenchCompany(dir);
    const pid = company.child.proc.pid;
    flota = await Flota.start({
      estaciones: n,
      procesos,
      prefijo: 'red',
      host: '127.0.0.1',
      puertoBase: 0,
      tokens: [],
      ventasPorSeg: 0,
    });
    progress(`${n} estaciones: flota escuchando (${procesos} procesos), empresa en ${company.api}`);
    // The company idle with its store open: the base of its RSS per link.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const rssAntes = sampleProc(pid).rssKiB;
    const cpu0 = sampleProc(pid);
    const t0 = performance.now();
    const reg = await registrar(company.api, company.auth, flota.estaciones, { concurrencia: params.concurrencia });
    progress(`${n} estaciones: registradas en ${(reg.ms / 1000).toFixed(1)} s`);
    const first = company;
    const tSync = await pollUntil('todas las estaciones sincronizadas', () => allConfirmed(first, n), SYNC_TIMEOUT_MS);
    const cpu1 = sampleProc(pid);
    const sincronizadasMs = tSync - t0;
    progress(`${n} estaciones: todas sincronizadas a ${(sincronizadasMs / 1000).toFixed(1)} s del primer registro`);
    // Restarted on the same store: what the links cost, without the garbage of N registrations
    // over HTTP; and how long a restart takes to bring every link back.
    await company.child.stop(10_000);
    company = undefined;
    const tRestart = performance.now();
    company = await startBenchCompany(dir);
    const c = company;
    const pid2 = c.child.proc.pid;
    const tBack = await pollUntil('todas las estaciones de vuelta', () => allConfirmed(c, n), SYNC_TIMEOUT_MS);
    progress(`${n} estaciones: empresa reiniciada, todas sincronizadas en ${((tBack - tRestart) / 1000).toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const rssDespues = sampleProc(pid2).rssKiB;

    // Price rounds through the company.
    const lat: number[][] = [];
    const confirmadas: number[] = [];
    let cpuMs = 0;
    let cpuWallMs = 0;
    let ultimaLinea: string | null = null;
    for (let r = 0; r < params.calentamiento + params.rondas; r++) {
      const actual = await getJson<{ version: number }>(`${c.api}/api/precios`, { headers: c.auth });
      await flota.armar(actual.version + 1);
      const before = sampleProc(pid2);
      const desde = performance.timeOrigin + performance.now();
      const put = await getJson<{ version: number; precios: Record<string, number> }>(`${c.api}/api/precios`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...c.auth },
        body: JSON.stringify({ precio_95: 1400 + r }),
      });
      const recibidas = await fleetReceipts(flota, ROUND_TIMEOUT_MS);
      const tConf = await pollUntil(
        'la empresa registra las confirmaciones',
        () => allConfirmed(c, n),
        ROUND_TIMEOUT_MS,
      );
      const after = sampleProc(pid2);
      const ms = recibidas.map((t) => t - desde);
      const confMs = performance.timeOrigin + tConf - desde;
      ultimaLinea = `${JSON.stringify({
        tipo: 'actualizacion_precios',
        precios: put.precios,
        version: put.version,
        timestamp: new Date().toISOString(),
      })}\n`;
      if (r < params.calentamiento) {
        progress(`${n} estaciones: calentamiento, versión ${put.version} en todas a ${Math.max(...ms).toFixed(0)} ms`);
        continue;
      }
      lat.push(ms);
      confirmadas.push(confMs);
      if (before.cpuMs !== null && after.cpuMs !== null) {
        cpuMs += after.cpuMs - before.cpuMs;
        cpuWallMs += after.at - before.at;
      }
      const s = summarize(ms);
      progress(
        `${n} estaciones: versión ${put.version}: p50 ${s?.p50.toFixed(0)} ms, p99 ${s?.p99.toFixed(0)} ms, ` +
          `todas ${s?.max.toFixed(0)} ms; la empresa registró todas a ${confMs.toFixed(0)} ms`,
      );
    }

    // The baseline: a minimal client on the same stations, writing the same line.
    base = forkNode('base', BASE, []);
    const conectada = await ask<Extract<BaseMessage, { type: 'conectada' }>>(
      base,
      { type: 'conectar', estaciones: flota.estaciones } satisfies BaseCommand,
      'conectada',
      SYNC_TIMEOUT_MS,
    );
    if (conectada.fallos > 0) problems.push(`base: ${conectada.fallos} conexiones fallidas`);
    const baseLat: number[][] = [];
    const version = (await getJson<{ version: number }>(`${c.api}/api/precios`, { headers: c.auth })).version;
    for (let r = 0; r < params.calentamiento + params.rondas; r++) {
      await flota.armar(version);
      const escrita = await ask<Extract<BaseMessage, { type: 'escrita' }>>(
        base,
        { type: 'escribir', linea: ultimaLinea ?? '' } satisfies BaseCommand,
        'escrita',
        ROUND_TIMEOUT_MS,
      );
      const recibidas = await fleetReceipts(flota, ROUND_TIMEOUT_MS);
      const ms = recibidas.map((t) => t - escrita.desde);
      if (r < params.calentamiento) continue;
      baseLat.push(ms);
      const s = summarize(ms);
      progress(
        `${n} estaciones: base: p50 ${s?.p50.toFixed(0)} ms, p99 ${s?.p99.toFixed(0)} ms, todas ${s?.max.toFixed(0)} ms`,
      );
    }
    base.proc.send({ type: 'cerrar' } satisfies BaseCommand);
    await base.stop(5000);
    base = undefined;

    // Sales upstream.
    const estado = await flota.estado();
    let ventas: SizeResult['ventas'] = null;
    let ventasNota: string | null = null;
    if (estado.suscritas === 0) {
      ventasNota = 'la empresa no se suscribe a reportes (suscripcion_reportes): sin cifra de ingesta';
    } else {
      const c0 = await flota.estado();
      const p0 = sampleProc(pid2);
      await flota.ventas(params.ventasPorSeg / n);
      const w0 = performance.now();
      await new Promise((r) => setTimeout(r, params.duracionVentasS * 1000));
      const c1 = await flota.estado();
      const w1 = performance.now();
      const p1 = sampleProc(pid2);
      await flota.ventas(0);
      ventas = {
        ofrecidasPorSeg: params.ventasPorSeg,
        generadasPorSeg: ((c1.ventas - c0.ventas) * 1000) / (w1 - w0),
        confirmadasPorSeg: ((c1.confirmadas - c0.confirmadas) * 1000) / (w1 - w0),
        reconexiones: c1.contadores.conexiones - c0.contadores.conexiones,
        ventanaS: (w1 - w0) / 1000,
        suscritas: c1.suscritas,
        cpuPct: cpuPercent(p0, p1),
      };
      progress(
        `${n} estaciones: ventas ofrecidas ${params.ventasPorSeg}/s, confirmadas por la empresa ` +
          `${ventas.confirmadasPorSeg.toFixed(0)}/s (generadas ${ventas.generadasPorSeg.toFixed(0)}/s, ` +
          `${ventas.reconexiones} reconexiones en la ventana)`,
      );
    }
    const e = estado.contadores;
    if (e.rechazos > 0) problems.push(`flota: ${e.rechazos} actualizaciones rechazadas`);
    if (e.erroresRecibidos > 0) problems.push(`flota: ${e.erroresRecibidos} errores recibidos de la empresa`);
    if (e.lineasInvalidas > 0) problems.push(`flota: ${e.lineasInvalidas} líneas inválidas de la empresa`);
    const logs = company.child.logs;
    if (logs.errors > 0) problems.push(`empresa: ${logs.errors} errores en el log (${logs.samples.join('; ')})`);

    const empresaPrecios = rondas(lat);
    const basePrecios = rondas(baseLat);
    const rssPorEnlace = rssAntes !== null && rssDespues !== null ? (rssDespues - rssAntes) / n : null;
    const rssPorConexion = (conectada.rssDespuesKiB - conectada.rssAntesKiB) / Math.max(1, conectada.conexiones);
    return {
      estaciones: n,
      procesos,
      conexion: {
        registroMs: reg.ms,
        sincronizadasMs,
        cpuMsPorEnlace: cpu0.cpuMs !== null && cpu1.cpuMs !== null ? (cpu1.cpuMs - cpu0.cpuMs) / n : null,
        reinicioMs: tBack - tRestart,
      },
      empresa: {
        rssAntesKiB: rssAntes,
        rssDespuesKiB: rssDespues,
        rssPorEnlaceKiB: rssPorEnlace,
        confirmadas: summarize(confirmadas),
        cpuPct: cpuWallMs > 0 ? (cpuMs / cpuWallMs) * 100 : null,
        precios: empresaPrecios,
      },
      base: { rssPorConexionKiB: rssPorConexion, conexionMs: conectada.ms, precios: basePrecios },
      ratios: {
        p99: ratio(empresaPrecios.recepcion?.p99, basePrecios.recepcion?.p99),
        max: ratio(empresaPrecios.recepcion?.max, basePrecios.recepcion?.max),
        rss: ratio(rssPorEnlace, rssPorConexion),
      },
      ventas,
      ventasNota,
      problems,
    };
  } finally {
    if (base) await base.stop(2000);
    if (flota) await flota.close();
    if (company) await company.child.stop(10_000);
    removeTempDir(dir);
  }
}
