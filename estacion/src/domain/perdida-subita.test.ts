import { FakeClock } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import type { DescargaConciliable, LecturaConciliable, VentaConciliable } from './conciliacion.js';
import { clavePerdidaSubita, perdidaSubita } from './perdida-subita.js';

const MIN = 60_000;

/** Deterministic noise in [−0.5, 0.5): a hash of the index. */
const ruido = (i: number) => {
  const x = Math.sin(i * 12.9898 + 78.233) * 43_758.5453;
  return x - Math.floor(x) - 0.5;
};

interface Escena {
  /** Minutes of readings, one every 30 s, ending at the clock's now. */
  minutos: number;
  /** Litres lost per minute (a leak), from `fugaDesdeMin` minutes before now. */
  fugaLMin?: number;
  fugaDesdeMin?: number;
  /** Probe noise, litres peak to peak (default 30: a 30 000 L tank's ±1 mm). */
  ruidoL?: number;
  /** A sale of 40 L over 2 min starts every `ventaCadaMin` minutes (each reported when it ends). */
  ventaCadaMin?: number;
  /** Gross litres swing by this much over the window (temperature), net litres do not. */
  termicoL?: number;
}

/** One tank read every 30 s up to the clock's now; sales dispensed over 2 min and reported at their end. */
interface Entrada {
  id_tanque: number;
  lecturas: LecturaConciliable[];
  ventas: VentaConciliable[];
  descargas: DescargaConciliable[];
}

function escena(clock: FakeClock, e: Escena): Entrada {
  const ahora = clock.now();
  const inicio = ahora - e.minutos * MIN;
  const entrada: Entrada = { id_tanque: 3, lecturas: [], ventas: [], descargas: [] };
  const ventas: { inicio: number; fin: number }[] = [];
  if (e.ventaCadaMin)
    for (let t = inicio; t + 2 * MIN <= ahora; t += e.ventaCadaMin * MIN) ventas.push({ inicio: t, fin: t + 2 * MIN });
  for (const v of ventas) entrada.ventas.push({ fecha_inicio: v.inicio, fecha_fin: v.fin, litros: 40 });
  let i = 0;
  for (let t = inicio; t <= ahora; t += 30_000, i++) {
    // What has left the tank by t: the sales' litres as they are dispensed, and the leak.
    const vendido = ventas.reduce((s, v) => s + 40 * Math.min(1, Math.max(0, (t - v.inicio) / (v.fin - v.inicio))), 0);
    const fugaDesde = ahora - (e.fugaDesdeMin ?? e.minutos) * MIN;
    const fugado = Math.max(0, (t - fugaDesde) / MIN) * (e.fugaLMin ?? 0);
    const neto = 20_000 - vendido - fugado + (e.ruidoL ?? 30) * ruido(i);
    const bruto = neto + (e.termicoL ?? 0) * Math.sin((2 * Math.PI * (t - inicio)) / (e.minutos * MIN));
    entrada.lecturas.push({ timestamp: t, litros: bruto, litros_15c: neto });
  }
  return entrada;
}

describe('perdidaSubita', () => {
  it('raises FUGA_SOSPECHADA with its evidence on a 3000 L/h leak within the window', () => {
    const clock = new FakeClock();
    const r = perdidaSubita(escena(clock, { minutos: 60, fugaLMin: 50, fugaDesdeMin: 20 }), clock);
    expect(r.alerta).toMatchObject({
      codigo: 'FUGA_SOSPECHADA',
      clave: 'FUGA_SOSPECHADA:3:perdida_subita',
      severidad: 'critica',
      id_surtidor: null,
    });
    expect(r.alerta?.mensaje).toMatch(/^Tanque 3: faltan \d+ L en 60 min/);
    expect(r.evidencia).toMatchObject({
      metodo: 'perdida_subita',
      ventana_min: 60,
      volumen: 'neto_15c',
      umbral_litros: 150,
      lecturas: 121,
    });
    // 50 L/min for the last 20 min; the median of the last 5 readings sits a minute back.
    expect(r.evidencia?.litros_perdidos).toBeGreaterThan(900);
    expect(r.evidencia?.litros_perdidos).toBeLessThan(1000);
    // What StationService.raiseAlert takes as `datos` (checked by tsc -p tsconfig.tests.json).
    const datos: Record<string, unknown> | undefined = r.alerta?.datos;
    expect(datos?.metodo).toBe('perdida_subita');
  });

  it('stays quiet, and resolves, on probe noise, a thermal swing of the gross volume and normal sales', () => {
    const clock = new FakeClock();
    const r = perdidaSubita(escena(clock, { minutos: 60, ruidoL: 60, termicoL: 400, ventaCadaMin: 3 }), clock);
    expect(r.alerta).toBeNull();
    expect(r.resuelta).toBe(clavePerdidaSubita(3));
    expect(Math.abs(r.evidencia?.litros_perdidos ?? 999)).toBeLessThan(40);
    expect(r.evidencia?.ventas_l).toBeGreaterThan(700);
  });

  it('counts a sale under way at a reading in proportion to its time, and the litres being dispensed now', () => {
    const clock = new FakeClock();
    // A sale every 2 min back to back: at every reading one is half dispensed.
    const entrada = escena(clock, { minutos: 30, ventaCadaMin: 2, ruidoL: 0 });
    expect(
      Math.abs(perdidaSubita(entrada, clock, { ventanaMs: 30 * MIN }).evidencia?.litros_perdidos ?? 99),
    ).toBeLessThan(1);
    // The sale under way now (not reported yet) has taken 300 L out of the tank: the live state says so.
    const ahora = clock.now();
    for (const l of entrada.lecturas.slice(-5)) {
      l.litros -= 300 * ((l.timestamp - (ahora - 5 * MIN)) / (5 * MIN));
      l.litros_15c = l.litros;
    }
    entrada.lecturas.forEach((l) => (l.litros_15c = l.litros));
    const sinVivo = perdidaSubita(entrada, clock, { ventanaMs: 30 * MIN, umbralLitros: 100 });
    expect(sinVivo.alerta).not.toBeNull();
    const conVivo = perdidaSubita(entrada, clock, { ventanaMs: 30 * MIN, umbralLitros: 100 }, 300);
    expect(conVivo.alerta).toBeNull();
    expect(conVivo.evidencia?.en_curso_l).toBe(300);
  });

  it('does not judge a window with a delivery or its settling time, nor one with too few readings', () => {
    const clock = new FakeClock();
    const entrada = escena(clock, { minutos: 60, fugaLMin: 50 });
    const ahora = clock.now();
    entrada.descargas.push({ inicio: ahora - 150 * MIN, fin: ahora - 100 * MIN, litros: 10_000 });
    expect(perdidaSubita(entrada, clock)).toEqual({
      evidencia: null,
      motivo: 'una descarga o su asentamiento cae en la ventana',
      alerta: null,
      resuelta: null,
    });
    // Settled (over an hour before the window): judged again.
    expect(perdidaSubita(entrada, clock, { asentamientoMs: 30 * MIN }).alerta).not.toBeNull();
    entrada.descargas.length = 0;
    // Twenty minutes of readings is not half of an hour's window.
    entrada.lecturas = entrada.lecturas.filter((l) => l.timestamp >= ahora - 20 * MIN);
    expect(perdidaSubita(entrada, clock).motivo).toBe('pocas lecturas en la ventana');
  });

  it('keeps an open alert between half the threshold and the threshold (no flapping), and uses gross volumes without 15 °C ones', () => {
    const clock = new FakeClock();
    const entrada = escena(clock, { minutos: 60, fugaLMin: 2, ruidoL: 0 }); // ~118 L in the window
    entrada.lecturas.forEach((l) => (l.litros_15c = null));
    const r = perdidaSubita(entrada, clock);
    expect(r).toMatchObject({ alerta: null, resuelta: null, evidencia: { volumen: 'bruto' } });
    expect(perdidaSubita(entrada, clock, { umbralLitros: 100 }).alerta).not.toBeNull();
    expect(perdidaSubita(entrada, clock, { umbralLitros: 250 }).resuelta).toBe(clavePerdidaSubita(3));
  });
});
