import { PRECIOS_POR_DEFECTO } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import {
  campoDe,
  debeEnviarse,
  parseAsignaciones,
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
    expect(parseAsignaciones(['precio_93=1300', 'DIESEL=1'])).toEqual({
      ok: true,
      cambios: { precio_93: 1300, precio_diesel: 1 },
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
    [['95=1000001'], /hasta 1000000/],
    [['95=1', '95=2'], /dos veces/],
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
    });
    expect(v1.precios.precio_95).toBe(1350); // the previous version is not touched
  });

  it('makes no version when no price changes value', () => {
    const v1 = versionInicial(AT);
    expect(siguienteVersion(v1, {}, { autor: 'ana', at: 'T' })).toBeNull();
    expect(siguienteVersion(v1, { precio_93: 1290 }, { autor: 'ana', at: 'T' })).toBeNull();
  });

  it('numbers past the highest version known to be held anywhere', () => {
    const v1 = versionInicial(AT);
    expect(siguienteVersion(v1, { precio_97: 1500 }, { autor: 'a', at: 'T', minimo: 7 })?.version).toBe(8);
    expect(siguienteVersion(v1, { precio_97: 1500 }, { autor: 'a', at: 'T', minimo: 0 })?.version).toBe(2);
  });

  it('refuses an invalid price even when called directly', () => {
    expect(() => siguienteVersion(versionInicial(AT), { precio_93: 0 }, { autor: 'a', at: 'T' })).toThrow(
      RangeError,
    );
  });
});

describe('the version rule', () => {
  it('sends a station the newest version only when it is behind', () => {
    expect(debeEnviarse(0, 1)).toBe(true);
    expect(debeEnviarse(null, 1)).toBe(true);
    expect(debeEnviarse(3, 3)).toBe(false); // repeated
    expect(debeEnviarse(5, 3)).toBe(false); // the station is ahead: never regress it
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
