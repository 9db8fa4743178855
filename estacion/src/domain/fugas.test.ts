import { FakeClock } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import type { EntradaTanque } from './conciliacion.js';
import { ajustar, detectarFugas } from './fugas.js';

const H = 3_600_000;

/** Deterministic noise in [−0.5, 0.5): a hash of the index, so every run sees the same tank. */
const ruido = (i: number) => {
  const x = Math.sin(i * 12.9898 + 78.233) * 43_758.5453;
  return x - Math.floor(x) - 0.5;
};

/** Litres sold per hour of the day: nothing at night, peaks at 8 and 18 h. */
const PERFIL = [0, 0, 0, 0, 0, 20, 80, 160, 220, 160, 120, 120, 140, 140, 120, 120, 160, 200, 220, 160, 100, 60, 20, 0];

interface Sintetico {
  dias: number;
  fugaLh?: number;
  /** Pump meters count this fraction more than leaves the tank (0.01: 1 % high). */
  medidor?: number;
  /** A delivery on this day at 03:00–03:40, its note off by `errorDescarga` litres. */
  diaDescarga?: number;
  errorDescarga?: number;
  /** Litres of probe noise (peak to peak). */
  ruidoL?: number;
  /** Litres in the tank at the start (default 20 000). */
  stock?: number;
  /** The gauge's chart is off by this × ((litres − 15 000) / 1000)² litres. */
  curva?: number;
}

/** A tank read every hour from the clock's start: sales from PERFIL, an optional leak, delivery and meter error. */
function tanque(inicio: number, s: Sintetico): EntradaTanque {
  const e = {
    id_tanque: 7,
    lecturas: [] as EntradaTanque['lecturas'][number][],
    ventas: [] as EntradaTanque['ventas'][number][],
    descargas: [] as EntradaTanque['descargas'][number][],
  };
  let stock = s.stock ?? 20_000;
  for (let hora = 0; hora <= s.dias * 24; hora++) {
    const t = inicio + hora * H;
    const ruidoL = s.ruidoL ?? 4;
    const medido = stock + (s.curva ?? 0) * ((stock - 15_000) / 1000) ** 2 + ruidoL * ruido(hora);
    e.lecturas.push({ timestamp: t, litros: medido, litros_15c: medido });
    const enHora = (PERFIL[hora % 24] as number) * (1 + 0.3 * ruido(hora + 1e6));
    if (enHora > 0) {
      e.ventas.push({ fecha_fin: t + H / 2, litros: enHora * (1 + (s.medidor ?? 0)) });
      stock -= enHora;
    }
    stock -= s.fugaLh ?? 0;
    if (s.diaDescarga !== undefined && hora === s.diaDescarga * 24 + 3) {
      const litros = 10_000;
      e.descargas.push({ inicio: t + 5 * 60_000, fin: t + 40 * 60_000, litros: litros + (s.errorDescarga ?? 0) });
      stock += litros;
    }
  }
  return e;
}

/** A FakeClock advanced to the end of `dias` days of data. */
function alFinal(dias: number): { clock: FakeClock; inicio: number } {
  const clock = new FakeClock();
  const inicio = clock.now();
  clock.advance(dias * 24 * H);
  return { clock, inicio };
}

describe('detectarFugas', () => {
  it('finds a 2 L/h leak in a week, with an interval that holds the true rate', () => {
    const { clock, inicio } = alFinal(7);
    const { evidencia, alertas } = detectarFugas(tanque(inicio, { dias: 7, fugaLh: 2, ruidoL: 60 }), clock);
    expect(alertas.map((a) => a.codigo)).toEqual(['FUGA_SOSPECHADA']);
    expect(evidencia?.error_estandar_l_h).toBeGreaterThan(0.01);
    expect(evidencia?.ic95_l_h[0]).toBeLessThan(2);
    expect(evidencia?.ic95_l_h[1]).toBeGreaterThan(2);
    expect(evidencia).toMatchObject({ id_tanque: 7, volumen: 'neto_15c', dias_de_datos: 7, puntos: 169 });
    expect(alertas[0]).toMatchObject({ clave: 'FUGA_SOSPECHADA:7', severidad: 'critica', id_surtidor: null });
    expect(alertas[0]?.mensaje).toMatch(/^Tanque 7: pierde 2\.\d\d L\/h/);
    // What StationService.raiseAlert takes as `datos` (checked by tsc -p tsconfig.tests.json).
    const datos: Record<string, unknown> | undefined = alertas[0]?.datos;
    expect(datos?.metodo).toBe('regresion_varianza_acumulada');
  });

  it('stays quiet on a tight tank', () => {
    const { clock, inicio } = alFinal(30);
    const { evidencia, alertas, resueltas } = detectarFugas(tanque(inicio, { dias: 30 }), clock);
    expect(alertas).toEqual([]);
    expect(resueltas).toEqual(['FUGA_SOSPECHADA:7', 'DIFERENCIA_INVENTARIO:7']);
    expect(Math.abs(evidencia?.tasa_fuga_l_h ?? 99)).toBeLessThan(0.2);
    expect(evidencia?.estadistico_z).toBeLessThan(3);
  });

  it('tells a meter that reads 2 % high from a leak: DIFERENCIA_INVENTARIO, not FUGA_SOSPECHADA', () => {
    const { clock, inicio } = alFinal(10);
    const { evidencia, alertas } = detectarFugas(tanque(inicio, { dias: 10, medidor: 0.02 }), clock);
    expect(alertas.map((a) => [a.codigo, a.datos.motivo])).toEqual([['DIFERENCIA_INVENTARIO', 'medidor']]);
    expect(evidencia?.error_medidor_pct).toBeCloseTo(1.96, 1); // 2 % of the reported litres is 1.96 %
    expect(Math.abs(evidencia?.tasa_fuga_l_h ?? 99)).toBeLessThan(0.3);
  });

  it('finds a leak on a tank whose meters also read low, and reports both', () => {
    const { clock, inicio } = alFinal(10);
    const { alertas, evidencia } = detectarFugas(tanque(inicio, { dias: 10, medidor: -0.01, fugaLh: 1 }), clock);
    expect(alertas.map((a) => a.codigo)).toEqual(['FUGA_SOSPECHADA', 'DIFERENCIA_INVENTARIO']);
    expect(evidencia?.tasa_fuga_l_h).toBeCloseTo(1, 0);
  });

  it('is not fooled by a delivery whose note is 150 L off: the segment after it has its own level', () => {
    const { clock, inicio } = alFinal(10);
    const { evidencia, alertas } = detectarFugas(
      tanque(inicio, { dias: 10, diaDescarga: 4, errorDescarga: 150 }),
      clock,
    );
    expect(alertas).toEqual([]);
    expect(evidencia).toMatchObject({ segmentos: 2, descargas_l: 10_150 });
  });

  it('fits a gauge chart that is off by a curve in the level instead of drowning the leak rate in it', () => {
    const { clock, inicio } = alFinal(12);
    const datos = tanque(inicio, { dias: 12, curva: 3, stock: 28_000, diaDescarga: 5 });
    const { evidencia, alertas } = detectarFugas(datos, clock);
    expect(alertas.map((a) => a.codigo)).toEqual(['DIFERENCIA_INVENTARIO']); // the chart's slope looks like a meter
    expect(Math.abs(evidencia?.tasa_fuga_l_h ?? 99)).toBeLessThan(0.1);
    expect(evidencia?.error_estandar_l_h).toBeLessThan(0.1);
    // Without the chart terms the curve is left in the residuals: the rate is known ten times worse.
    const sinCurva = detectarFugas(datos, clock, { curvaTabla: false }).evidencia;
    expect(sinCurva?.error_estandar_l_h).toBeGreaterThan(10 * (evidencia?.error_estandar_l_h ?? 0));
  });

  it('raises DIFERENCIA_INVENTARIO when the window’s cumulative variance passes 1 % of sales + 492 L', () => {
    const { clock, inicio } = alFinal(5);
    const { alertas, evidencia } = detectarFugas(
      tanque(inicio, { dias: 5, diaDescarga: 2, errorDescarga: 700 }),
      clock,
    );
    expect(alertas.map((a) => [a.codigo, a.datos.motivo])).toEqual([['DIFERENCIA_INVENTARIO', 'inventario']]);
    expect(evidencia?.varianza_acumulada_l).toBeCloseTo(-700, -1);
  });

  it('says there is not enough data before a day of readings, and looks only at its window', () => {
    const { clock, inicio } = alFinal(0.5);
    const datos = tanque(inicio, { dias: 40, fugaLh: 5, stock: 150_000 });
    expect(detectarFugas(datos, clock)).toEqual({
      evidencia: null,
      motivo: 'menos de 24 h de lecturas utilizables',
      alertas: [],
      resueltas: [],
    });
    clock.advance(39.5 * 24 * H);
    const { evidencia } = detectarFugas(datos, clock, { ventanaDias: 3 });
    expect(evidencia).toMatchObject({ dias_de_datos: 3, desde: new Date(inicio + 37 * 24 * H).toISOString() });
  });

  it('uses gross volumes when the gauge gives no 15 °C volume', () => {
    const { clock, inicio } = alFinal(3);
    const datos = tanque(inicio, { dias: 3, fugaLh: 5 });
    datos.lecturas = datos.lecturas.map((l) => ({ ...l, litros_15c: null }));
    const { evidencia, alertas } = detectarFugas(datos, clock);
    expect(evidencia?.volumen).toBe('bruto');
    expect(alertas.map((a) => a.codigo)).toEqual(['FUGA_SOSPECHADA']);
  });
});

describe('ajustar', () => {
  it('recovers the slopes of an exact series and leaves the sales term out when sales never change', () => {
    const exacta = Array.from({ length: 48 }, (_, i) => {
      const ventas = 100 * i + (i % 5) * 37;
      return { horas: i, ventas, c: 50 - 1.5 * i + 0.004 * ventas, segmento: 0 };
    });
    const fit = ajustar(exacta, 6);
    expect(fit?.a).toBeCloseTo(-1.5, 9);
    expect(fit?.b).toBeCloseTo(0.004, 9);
    const sinVentas = exacta.map((p) => ({ ...p, ventas: 0, c: 50 - 1.5 * p.horas }));
    expect(ajustar(sinVentas, 6)).toMatchObject({ b: 0, seB: Number.POSITIVE_INFINITY });
    expect(ajustar(sinVentas, 6)?.a).toBeCloseTo(-1.5, 9);
  });
});
