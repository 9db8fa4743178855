import { MAX_VERSION, PRECIO_MAX, PRECIO_MIN, PRECIOS_POR_DEFECTO } from '@combustible/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnomaliaVersion,
  campoDe,
  debeEnviarse,
  estaProgramada,
  evaluarVersionInformada,
  MAX_VIGENCIA_MS,
  parseAsignaciones,
  problemaVigencia,
  siguienteVersion,
  versionConfirmada,
  versionInicial,
  versionTrasActualizar,
} from './price-book.js';

const AT = '2026-01-15T14:30:00.000Z';

describe('parseAsignaciones', () => {
  it('reads FUEL=PRICE pairs by fuel name or wire name', () => {
    expect(parseAsignaciones(['95=1360', 'diesel=1130'])).toEqual({
      ok: true,
      cambios: { precio_95: 1360, precio_diesel: 1130 },
    });
    expect(parseAsignaciones(['precio_93=1300', 'DIESEL=100'])).toEqual({
      ok: true,
      cambios: { precio_93: 1300, precio_diesel: 100 },
    });
    expect(campoDe('97')).toBe('precio_97');
    expect(campoDe('gas')).toBeUndefined();
  });

  it.each([
    [[], /al menos un precio/],
    [['95'], /COMBUSTIBLE=PRECIO/],
    [['91=1000'], /combustible desconocido "91"/],
    [['95=0'], /precio inválido para 95/],
    [['95=-5'], /precio inválido/],
    [['95=13.5'], /precio inválido/],
    [['95=1e3'], /precio inválido/],
    [['95='], /precio inválido/],
    [['95=1000001'], /entre 100 y 100000/],
    [['95=99'], /entre 100 y 100000/],
    [['95=100001'], /entre 100 y 100000/],
    [['95=1'], /entre 100 y 100000/],
    [['95=1000', '95=2000'], /dos veces/],
  ])('refuses %j', (args, message) => {
    const r = parseAsignaciones(args);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});

describe('versions', () => {
  it('starts at version 1 with the seed prices, every price listed as a change', () => {
    const v = versionInicial(AT);
    expect(v).toMatchObject({ version: 1, precios: PRECIOS_POR_DEFECTO, autor: 'sistema', actualizado: AT });
    expect(v.cambios).toHaveLength(4);
    expect(v.cambios.every((c) => c.anterior === null)).toBe(true);
  });

  it('makes the next version with the full set of prices and only what changed as cambios', () => {
    const v1 = versionInicial(AT);
    const v2 = siguienteVersion(v1, { precio_95: 1360 }, { autor: 'ana', at: 'T2' });
    expect(v2).toEqual({
      version: 2,
      precios: { ...PRECIOS_POR_DEFECTO, precio_95: 1360 },
      actualizado: 'T2',
      autor: 'ana',
      cambios: [{ campo: 'precio_95', anterior: 1350, nuevo: 1360 }],
      vigencia: null,
      cancelada: null,
    });
    expect(v1.precios.precio_95).toBe(1350); // the previous version is not touched
  });

  it('numbers a version above a cancelled one (numbers are never reused) and carries its vigencia', () => {
    const v1 = versionInicial(AT);
    const v3 = siguienteVersion(v1, { precio_95: 1360 }, { autor: 'ana', at: 'T2', ultima: 2, vigencia: 'V' });
    expect(v3).toMatchObject({ version: 3, vigencia: 'V', cancelada: null });
  });

  it('makes no version when no price changes value', () => {
    const v1 = versionInicial(AT);
    expect(siguienteVersion(v1, {}, { autor: 'ana', at: 'T' })).toBeNull();
    expect(siguienteVersion(v1, { precio_93: 1290 }, { autor: 'ana', at: 'T' })).toBeNull();
  });

  it("numbers the next version from the company's own newest, always +1 (nothing else takes part)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_VERSION - 1 }),
        fc.integer({ min: PRECIO_MIN, max: PRECIO_MAX }),
        (n, p) => {
          fc.pre(p !== PRECIOS_POR_DEFECTO.precio_97);
          const actual = { ...versionInicial(AT), version: n };
          expect(siguienteVersion(actual, { precio_97: p }, { autor: 'a', at: 'T' })?.version).toBe(n + 1);
        },
      ),
    );
  });

  it('never creates a version above MAX_VERSION', () => {
    const ultima = { ...versionInicial(AT), version: MAX_VERSION };
    expect(() => siguienteVersion(ultima, { precio_97: 1500 }, { autor: 'a', at: 'T' })).toThrow(/MAX_VERSION|agotad/);
    const penultima = { ...versionInicial(AT), version: MAX_VERSION - 1 };
    expect(siguienteVersion(penultima, { precio_97: 1500 }, { autor: 'a', at: 'T' })?.version).toBe(MAX_VERSION);
  });

  it('refuses a price outside the range, and a version that would keep one in force (from an older build)', () => {
    const v1 = versionInicial(AT);
    expect(() => siguienteVersion(v1, { precio_93: 99 }, { autor: 'a', at: 'T' })).toThrow(RangeError);
    expect(() => siguienteVersion(v1, { precio_93: 100_001 }, { autor: 'a', at: 'T' })).toThrow(RangeError);
    const vieja = { ...v1, precios: { ...v1.precios, precio_diesel: 5 } };
    expect(() => siguienteVersion(vieja, { precio_93: 1300 }, { autor: 'a', at: 'T' })).toThrow(/precio_diesel/);
    expect(siguienteVersion(vieja, { precio_diesel: 1130 }, { autor: 'a', at: 'T' })?.version).toBe(2);
  });

  it('refuses an invalid price even when called directly', () => {
    expect(() => siguienteVersion(versionInicial(AT), { precio_93: 0 }, { autor: 'a', at: 'T' })).toThrow(RangeError);
    expect(() => siguienteVersion(versionInicial(AT), { precio_93: 50 }, { autor: 'a', at: 'T' })).toThrow(RangeError);
  });
});

describe('the version rule', () => {
  it('sends a station the newest version only when it is behind', () => {
    expect(debeEnviarse(0, 1)).toBe(true);
    expect(debeEnviarse(null, 1)).toBe(true);
    expect(debeEnviarse(3, 3)).toBe(false); // repeated
    // A station that says it is ahead is sent the company's newest anyway: it ignores an older
    // version by its own rule, and the company never takes the station's word for its versions.
    expect(debeEnviarse(5, 3)).toBe(true);
  });

  it('a station applies only newer versions: stale, repeated and out-of-order updates change nothing', () => {
    let held = 0;
    for (const incoming of [2, 1, 2, 4, 3, 4]) held = versionTrasActualizar(held, incoming);
    expect(held).toBe(4);
    expect(versionTrasActualizar(4, 5)).toBe(5);
  });

  it('keeps the highest acknowledgement: stale, repeated and out-of-order acks never lower it', () => {
    let confirmed: number | null = null;
    const seen: number[] = [];
    for (const ack of [1, 3, 2, 3, 1, 5, 4]) {
      confirmed = versionConfirmada(confirmed, ack);
      seen.push(confirmed);
    }
    expect(seen).toEqual([1, 3, 3, 3, 3, 5, 5]);
  });
});

describe('a version a station reports (estacion_info, precios_recibidos)', () => {
  const T1 = '2026-01-15T14:30:00.000Z';
  const T2 = '2026-01-15T15:00:00.000Z';
  const version = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
  const newest = fc.integer({ min: 1, max: MAX_VERSION });

  it('is trusted when it is not above the newest: no anomaly', () => {
    fc.assert(
      fc.property(newest, fc.nat(), (n, d) => {
        const v = Math.max(0, n - d);
        expect(evaluarVersionInformada(v, n, null, T1)).toEqual({ confiable: true, anomalia: null });
      }),
    );
  });

  it('above the newest it is an anomaly, VERSION_DESCONOCIDA, never trusted, with what was reported', () => {
    fc.assert(
      fc.property(newest, version, (n, v) => {
        fc.pre(v > n);
        expect(evaluarVersionInformada(v, n, null, T1)).toEqual({
          confiable: false,
          anomalia: { codigo: 'VERSION_DESCONOCIDA', version_reportada: v, version_empresa: n, desde: T1 },
        });
      }),
    );
  });

  it('an open anomaly keeps its start and follows what is reported until a trustworthy version comes', () => {
    const abierta: AnomaliaVersion = {
      codigo: 'VERSION_DESCONOCIDA',
      version_reportada: 9,
      version_empresa: 3,
      desde: T1,
    };
    expect(evaluarVersionInformada(2 ** 53 - 1, 4, abierta, T2).anomalia).toEqual({
      codigo: 'VERSION_DESCONOCIDA',
      version_reportada: 2 ** 53 - 1,
      version_empresa: 4,
      desde: T1,
    });
    // The company reached 9 on its own: a station still saying 9 holds its unknown 9, not the company's.
    expect(evaluarVersionInformada(9, 9, abierta, T2)).toEqual({
      confiable: false,
      anomalia: { ...abierta, version_empresa: 9 },
    });
    expect(evaluarVersionInformada(10, 10, abierta, T2)).toEqual({ confiable: true, anomalia: null });
    expect(evaluarVersionInformada(3, 4, abierta, T2)).toEqual({ confiable: true, anomalia: null });
  });

  it('whatever the reports, a trusted version is never above the newest', () => {
    fc.assert(
      fc.property(newest, fc.array(version, { maxLength: 30 }), (n, reports) => {
        let abierta: AnomaliaVersion | null = null;
        let confirmada: number | null = null;
        for (const v of reports) {
          const r = evaluarVersionInformada(v, n, abierta, T1);
          abierta = r.anomalia;
          if (r.confiable) confirmada = versionConfirmada(confirmada, v);
          expect(r.confiable).toBe(r.anomalia === null);
        }
        if (confirmada !== null) expect(confirmada).toBeLessThanOrEqual(n);
        const last = reports.at(-1);
        if (last !== undefined && last > n) expect(abierta?.version_reportada).toBe(last);
      }),
    );
  });
});

describe('scheduling', () => {
  const NOW = Date.parse('2026-01-15T12:00:00.000Z');

  it('accepts a vigencia in the future up to 90 days ahead, and nothing else', () => {
    expect(problemaVigencia('2026-01-15T12:00:01.000Z', NOW)).toBeNull();
    expect(problemaVigencia(new Date(NOW + MAX_VIGENCIA_MS).toISOString(), NOW)).toBeNull();
    expect(problemaVigencia(new Date(NOW + MAX_VIGENCIA_MS + 1).toISOString(), NOW)).toMatch(/más de 90 días/);
    expect(problemaVigencia('2026-01-15T12:00:00.000Z', NOW)).toMatch(/ya pasó/);
    expect(problemaVigencia('mañana', NOW)).toMatch(/no es una fecha/);
  });

  it('calls a version scheduled only while its vigencia is ahead and it is not cancelled', () => {
    const v = { ...versionInicial(AT), vigencia: '2026-01-15T13:00:00.000Z' };
    expect(estaProgramada(v, NOW)).toBe(true);
    expect(estaProgramada(v, Date.parse('2026-01-15T13:00:00.000Z'))).toBe(false);
    expect(estaProgramada({ ...v, cancelada: '2026-01-15T12:30:00.000Z' }, NOW)).toBe(false);
    expect(estaProgramada(versionInicial(AT), NOW)).toBe(false);
  });
});
