/**
 * The CSV export benchmark: N sales seeded straight into a station's SQLite file (one transaction,
 * the station's own schema and insert statement), the station started on it, and
 * GET /api/transacciones?formato=csv read to the end over HTTP while the station's RSS is sampled
 * from /proc every 50 ms. The station runs in its own process; this one only reads and counts.
 */
import { performance } from 'node:perf_hooks';
import { INSERT_TRANSACCION_SQL, SQLITE_FILE, SQLITE_MIGRATIONS } from '@combustible/estacion';
import { openSqlite } from '@combustible/server';
import { parsePrometheus, stationLogin } from '../estacion.js';
import { removeTempDir, tempDir } from '../hub/children.js';
import { sampleProc } from '../hub/proc-stats.js';
import { startStation, stationArgs } from '../hub/run.js';

export interface CsvParams {
  ventas: number;
}

export interface CsvRun {
  params: CsvParams;
  /** Seconds to seed the sales into the file (not part of the export). */
  seedS: number;
  /** The station's RSS (MiB) on the seeded file after a small warm-up export, before the export. */
  rssBaseMiB: number | null;
  /** The highest RSS sampled during the export (MiB), and that minus the base. */
  rssPeakMiB: number | null;
  rssAboveBaseMiB: number | null;
  /**
   * The highest RSS above the base (MiB) by the time 25, 50, 75 and 100 % of the CSV had arrived:
   * flat once the page cache and the heap have grown to their working size, it does not grow with
   * the number of sales.
   */
  rssAboveBaseByQuarterMiB: (number | null)[];
  /**
   * The station's V8 heap (MiB) from its /metrics, read before the export and every second during
   * it: what of the RSS is JavaScript heap (allocated: `total`; live after the last collection: `used`).
   */
  heap: {
    baseTotalMiB: number | null;
    baseUsedMiB: number | null;
    peakTotalMiB: number | null;
    peakUsedMiB: number | null;
  };
  /** Request to the last byte. */
  seconds: number;
  /** Until the first byte (the answer starts before the store is read through). */
  firstByteMs: number;
  bytes: number;
  /** Data rows received (the header row aside). */
  rows: number;
  rowsPerS: number;
  mibPerS: number;
  /** Station CPU during the export (% of one core). */
  cpuPct: number | null;
  samples: number;
  loadavg: { start: number; end: number };
  problems: string[];
}

const SAMPLE_MS = 50;
const FUELS = ['93', '95', '97', 'diesel'] as const;
const PAYMENTS = ['efectivo', 'tarjeta', 'transferencia'] as const;

/** Inserts `n` sales like a day of a busy station's into a new station file in `dir`. */
function seed(dir: string, n: number): number {
  const t0 = performance.now();
  const db = openSqlite({ dataDir: dir, file: SQLITE_FILE, migrations: SQLITE_MIGRATIONS });
  try {
    const insert = db.prepare(INSERT_TRANSACCION_SQL);
    const all = db.transaction(() => {
      const start = Date.parse('2026-01-01T00:00:00Z');
      for (let i = 0; i < n; i++) {
        const id_surtidor = 1 + (i % 12);
        const tipo = FUELS[i % 4] ?? '93';
        const metodo = PAYMENTS[i % 3] ?? 'efectivo';
        const litros = Math.round((5 + ((i * 7919) % 5500) / 100) * 1000) / 1000;
        const precio = 1290 + (i % 4) * 60;
        const monto = Math.round(litros * precio);
        const fin = new Date(start + i * 2000).toISOString();
        const doc = {
          id_transaccion: `B-${i}`,
          id_derivado: false,
          id_surtidor,
          nombre_surtidor: `Isla ${Math.ceil(id_surtidor / 2)} lado ${id_surtidor % 2 ? 'A' : 'B'}`,
          tipo_combustible: tipo,
          litros,
          precio_por_litro: precio,
          monto_total: monto,
          metodo_pago: metodo,
          fecha_inicio: new Date(start + i * 2000 - 90_000).toISOString(),
          fecha_fin: fin,
          estado: 'completada',
          operador: `operador-${i % 9}`,
          secuencia: i,
          version_precios: 3,
          totalizador_inicio: null,
          totalizador_fin: null,
          observaciones: [],
          detalles: { duracion_segundos: 90, velocidad_promedio: litros / 90 },
          recibida: fin,
          id_autorizacion: null,
          reembolso: null,
        };
        insert.run({
          id_surtidor,
          id_transaccion: doc.id_transaccion,
          tipo_combustible: tipo,
          metodo_pago: metodo,
          fecha_fin_utc: fin,
          litros,
          monto_total: monto,
          recibida: fin,
          secuencia: i,
          totalizador_fin: null,
          doc: JSON.stringify(doc),
          seq_reporte: i + 1,
        });
      }
    });
    all.immediate();
  } finally {
    db.close();
  }
  return (performance.now() - t0) / 1000;
}

const mib = (kib: number | null) => (kib === null ? null : kib / 1024);

export async function runCsv(params: CsvParams, log: (line: string) => void): Promise<CsvRun> {
  const { loadavg } = await import('node:os');
  const load0 = loadavg()[0] ?? 0;
  const dir = tempDir('bench-csv-');
  const problems: string[] = [];
  try {
    log(`sembrando ${params.ventas} ventas en ${dir}/${SQLITE_FILE}…`);
    const seedS = seed(dir, params.ventas);
    log(`sembradas en ${seedS.toFixed(1)} s; arrancando la estación`);
    const { station } = await startStation(stationArgs(dir));
    try {
      const api = await station.waitForLine((e) => e.escuchando === 'api', 30_000);
      const port = Number(api.puerto);
      const token = await stationLogin(port);
      const pid = station.proc.pid;
      // A small export first (the first 300 sales), so the base includes the code paths warmed up.
      const warm = await fetch(
        `http://127.0.0.1:${port}/api/transacciones?formato=csv&fecha_fin=2026-01-01T00:10:00Z`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      await warm.text();
      const heapOf = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } });
        const m = parsePrometheus(await res.text());
        const v = (name: string) => {
          const x = m.get(name);
          return x === undefined ? null : x / 2 ** 20;
        };
        return { total: v('estacion_nodejs_heap_size_total_bytes'), used: v('estacion_nodejs_heap_size_used_bytes') };
      };
      const heapBase = await heapOf();
      let heapPeakTotal = heapBase.total;
      let heapPeakUsed = heapBase.used;
      const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
      let scraping = false;
      const heapTimer = setInterval(() => {
        if (scraping) return;
        scraping = true;
        heapOf()
          .then((h) => {
            heapPeakTotal = max(heapPeakTotal, h.total);
            heapPeakUsed = max(heapPeakUsed, h.used);
          })
          .catch((err: unknown) => log(`heap: ${String(err)}`))
          .finally(() => {
            scraping = false;
          });
      }, 1000);
      const base = sampleProc(pid);
      let peak = base.rssKiB;
      let samples = 0;
      let bytes = 0;
      const serie: { bytes: number; rssKiB: number }[] = [];
      const timer = setInterval(() => {
        const s = sampleProc(pid);
        samples++;
        if (s.rssKiB !== null) serie.push({ bytes, rssKiB: s.rssKiB });
        if (s.rssKiB !== null && (peak === null || s.rssKiB > peak)) peak = s.rssKiB;
      }, SAMPLE_MS);
      log(`estación lista (RSS ${mib(base.rssKiB)?.toFixed(1) ?? '?'} MiB); exportando`);
      const t0 = performance.now();
      let firstByteMs = 0;
      let lines = 0;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/transacciones?formato=csv`, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (!res.ok || !res.body) throw new Error(`la exportación respondió ${res.status}`);
        for await (const data of res.body) {
          const chunk = data as Uint8Array;
          if (bytes === 0) firstByteMs = performance.now() - t0;
          bytes += chunk.byteLength;
          // CRLF ends every row; a quoted cell never holds a line break here.
          for (let i = 0; i < chunk.byteLength; i++) if (chunk[i] === 10) lines++;
        }
      } finally {
        clearInterval(timer);
        clearInterval(heapTimer);
      }
      const ms = performance.now() - t0;
      const end = sampleProc(pid);
      if (end.rssKiB !== null && (peak === null || end.rssKiB > peak)) peak = end.rssKiB;
      const rows = lines - 1;
      if (rows !== params.ventas) problems.push(`se recibieron ${rows} filas de ${params.ventas}`);
      const cpuPct = base.cpuMs !== null && end.cpuMs !== null ? ((end.cpuMs - base.cpuMs) / ms) * 100 : null;
      const rssBase = mib(base.rssKiB);
      const byQuarter = [0.25, 0.5, 0.75, 1].map((q) => {
        let max: number | null = null;
        for (const x of serie) if (x.bytes <= q * bytes && (max === null || x.rssKiB > max)) max = x.rssKiB;
        const m = mib(max);
        return m === null || rssBase === null ? null : m - rssBase;
      });
      const rssPeak = mib(peak);
      return {
        params,
        seedS,
        rssBaseMiB: rssBase,
        rssPeakMiB: rssPeak,
        rssAboveBaseMiB: rssBase !== null && rssPeak !== null ? rssPeak - rssBase : null,
        rssAboveBaseByQuarterMiB: byQuarter,
        heap: {
          baseTotalMiB: heapBase.total,
          baseUsedMiB: heapBase.used,
          peakTotalMiB: heapPeakTotal,
          peakUsedMiB: heapPeakUsed,
        },
        seconds: ms / 1000,
        firstByteMs,
        bytes,
        rows,
        rowsPerS: (rows * 1000) / ms,
        mibPerS: bytes / 2 ** 20 / (ms / 1000),
        cpuPct,
        samples,
        loadavg: { start: load0, end: loadavg()[0] ?? 0 },
        problems,
      };
    } finally {
      await station.stop(10_000);
    }
  } finally {
    removeTempDir(dir);
  }
}
