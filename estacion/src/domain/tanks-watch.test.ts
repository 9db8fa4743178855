import { describe, expect, it } from 'vitest';
import { type AccionTanque, DEFAULT_TANK_WATCH, TankWatch } from './tanks-watch.js';

const TANQUE = { id_tanque: 1, nombre: 'T1', capacidad_litros: 30_000, nivel_bajo_litros: 3000, agua_alta_mm: 40 };
const T0 = Date.parse('2024-01-15T08:00:00Z');
const PASO = 10_000;

/** A seeded noise in [-a, a] (mulberry32), so a run is the same every time. */
function ruido(seed: number, a: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * a;
  };
}

/**
 * Feeds a tank every 10 s from `desde` for `n` readings: the true level is `nivel(ms)`, read with
 * ±`a` litres of noise; sales of `ventaPorPaso` litres each step. Returns every action.
 */
function alimentar(
  w: TankWatch,
  desde: number,
  n: number,
  nivel: (ms: number) => number,
  o: { a?: number; seed?: number; ventaPorPaso?: number; agua?: number } = {},
): { acciones: AccionTanque[]; fin: number } {
  const r = ruido(o.seed ?? 1, o.a ?? 15);
  const acciones: AccionTanque[] = [];
  let ms = desde;
  for (let i = 0; i < n; i++) {
    ms = desde + i * PASO;
    if (o.ventaPorPaso) w.venta(ms, o.ventaPorPaso);
    acciones.push(...w.lectura({ ms, litros: nivel(ms) + r(), altura_agua_mm: o.agua ?? 5 }));
  }
  return { acciones, fin: ms };
}

const descargas = (a: AccionTanque[]) => a.filter((x) => x.kind === 'descarga');
const codigos = (a: AccionTanque[]) =>
  a.filter((x) => x.kind !== 'descarga').map((x) => `${x.kind}:${'codigo' in x ? x.codigo : ''}`);

describe('TankWatch: deliveries', () => {
  it('finds none in hours of noisy readings while pumps sell', () => {
    const w = new TankWatch(TANQUE);
    // 6 h of sales at 1.5 L per 10 s (540 L/h), ±15 L of noise with spikes of 60 L now and then.
    const r = ruido(7, 60);
    const { acciones } = alimentar(
      w,
      T0,
      2160,
      (ms) => 20_000 - ((ms - T0) / PASO) * 1.5 + (Math.abs(r()) > 55 ? r() : 0),
      {
        ventaPorPaso: 1.5,
      },
    );
    expect(descargas(acciones)).toEqual([]);
  });

  it('records one delivery with its start, end and litres (sales during it included) while pumps sell', () => {
    const w = new TankWatch(TANQUE);
    const venta = 2; // litres per 10 s step: 720 L/h
    const inicio = T0 + 30 * 60_000;
    const duracion = 20 * 60_000;
    const entregados = 10_000;
    const nivel = (ms: number) => {
      const vendidos = ((ms - T0) / PASO) * venta;
      const entregado = Math.max(0, Math.min(1, (ms - inicio) / duracion)) * entregados;
      return 8000 - vendidos + entregado;
    };
    const { acciones } = alimentar(w, T0, 6 * 60 * 3, nivel, { ventaPorPaso: venta, a: 20 });
    const d = descargas(acciones);
    expect(d).toHaveLength(1);
    const [una] = d;
    if (!una) return;
    // Start and end within a few readings of the truth.
    expect(Math.abs(una.inicioMs - inicio)).toBeLessThanOrEqual(6 * PASO);
    expect(Math.abs(una.finMs - (inicio + duracion))).toBeLessThanOrEqual(6 * PASO);
    const litros = una.litros_fin - una.litros_inicio + una.ventas;
    expect(Math.abs(litros - entregados)).toBeLessThan(150);
  });

  it('finds two deliveries hours apart', () => {
    const w = new TankWatch(TANQUE);
    const a = T0 + 60 * 60_000;
    const b = T0 + 4 * 60 * 60_000;
    const escalon = (ms: number, at: number) => Math.max(0, Math.min(1, (ms - at) / (15 * 60_000))) * 5000;
    const { acciones } = alimentar(
      w,
      T0,
      6 * 60 * 6,
      (ms) => 6000 - (ms - T0) / PASO + escalon(ms, a) + escalon(ms, b),
      {
        ventaPorPaso: 1,
      },
    );
    expect(descargas(acciones)).toHaveLength(2);
  });
});

describe('TankWatch: alerts', () => {
  it('raises low level once, and resolves it only past the hysteresis', () => {
    const w = new TankWatch(TANQUE);
    let acciones = alimentar(w, T0, 10, () => 2900, { a: 0 }).acciones;
    expect(codigos(acciones)).toEqual(['alerta:TANQUE_NIVEL_BAJO']);
    acciones = alimentar(w, T0 + 100 * PASO, 10, () => 3100, { a: 0 }).acciones;
    expect(codigos(acciones)).toEqual([]); // within the hysteresis (300 L)
    acciones = alimentar(w, T0 + 200 * PASO, 10, () => 3400, { a: 0 }).acciones;
    expect(codigos(acciones)).toEqual(['resolver:TANQUE_NIVEL_BAJO']);
  });

  it('raises high water and resolves it when the water is back below', () => {
    const w = new TankWatch(TANQUE);
    expect(codigos(alimentar(w, T0, 3, () => 10_000, { agua: 45 }).acciones)).toEqual(['alerta:TANQUE_AGUA_ALTA']);
    expect(codigos(alimentar(w, T0 + 10 * PASO, 3, () => 10_000, { agua: 30 }).acciones)).toEqual([
      'resolver:TANQUE_AGUA_ALTA',
    ]);
  });

  it('reports a probe silent for N times its interval, resolved by its next reading', () => {
    const w = new TankWatch(TANQUE);
    const { fin } = alimentar(w, T0, 20, () => 10_000);
    // Its interval is 10 s: silent for 50 s is still fine, past it is not.
    expect(w.revisar(fin + 5 * PASO)).toEqual([]);
    const a = w.revisar(fin + 5 * PASO + 1);
    expect(codigos(a)).toEqual(['alerta:TANQUE_SIN_LECTURAS']);
    expect(w.revisar(fin + 10 * PASO)).toEqual([]);
    expect(codigos(w.lectura({ ms: fin + 11 * PASO, litros: 10_000, altura_agua_mm: 5 }))).toEqual([
      'resolver:TANQUE_SIN_LECTURAS',
    ]);
  });

  it('never reports a tank that had no reading yet', () => {
    expect(new TankWatch(TANQUE).revisar(T0 + 86_400_000)).toEqual([]);
  });

  it('raises low autonomy when the product runs out within H hours at the sales rate of the last hour', () => {
    const w = new TankWatch(TANQUE, { ...DEFAULT_TANK_WATCH, horasAutonomia: 10 });
    // 5 000 L at 600 L/h: 8.3 h left.
    const r = alimentar(w, T0, 360, () => 5000, { a: 0, ventaPorPaso: 600 / 360 });
    expect(codigos(r.acciones)).toEqual(['alerta:TANQUE_AUTONOMIA_BAJA']);
    const alerta = r.acciones.find((x) => x.kind === 'alerta');
    // Raised as soon as the rate of the last hour (not yet a full hour of sales) says under 10 h.
    expect(alerta && 'datos' in alerta ? alerta.datos.horas : null).toBeLessThanOrEqual(10);
    // Sales stop: after an hour the rate falls to nothing and the alert is resolved.
    const despues = alimentar(w, r.fin + 3_700_000, 2, () => 5000, { a: 0 });
    expect(codigos(despues.acciones)).toEqual(['resolver:TANQUE_AUTONOMIA_BAJA']);
  });
});
