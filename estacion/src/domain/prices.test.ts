import {
  MAX_VERSION,
  MAX_VERSION_JUMP,
  PRECIO_MAX,
  PRECIO_MIN,
  PRECIOS_POR_DEFECTO,
  type Precios,
  preciosFueraDeRango,
  versionEnRango,
} from '@combustible/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { esVersionPlausible, PriceBook, samePrices } from './prices.js';
import type { VersionPrecios } from './types.js';

const v = (version: number, precio_95 = 1350): VersionPrecios => ({
  version,
  precios: { ...PRECIOS_POR_DEFECTO, precio_95 },
  actualizado: '2026-01-01T00:00:00Z',
  origen: 'empresa',
});

describe('PriceBook', () => {
  it('starts at version 0 with the seed prices', () => {
    const book = PriceBook.withDefaults('2026-01-01T00:00:00Z');
    expect(book.current.version).toBe(0);
    expect(book.current.precios).toEqual({
      precio_93: 1290,
      precio_95: 1350,
      precio_97: 1400,
      precio_diesel: 1120,
    });
  });

  it('applies only strictly newer versions', () => {
    const book = new PriceBook(v(3));
    expect(book.offer(v(3, 9999))).toBe(false); // repeated
    expect(book.offer(v(2, 9999))).toBe(false); // stale
    expect(book.current.precios.precio_95).toBe(1350);
    expect(book.offer(v(5, 1400))).toBe(true); // out of order is fine as long as it is newer
    expect(book.offer(v(4, 1380))).toBe(false);
    expect(book.current.version).toBe(5);
    expect(book.previous?.version).toBe(3);
  });

  it('knows which versions a sale may be priced at', () => {
    const book = new PriceBook(v(1));
    book.offer(v(2));
    expect(book.isRecent(2)).toBe(true);
    expect(book.isRecent(1)).toBe(true);
    expect(book.isRecent(0)).toBe(false);
  });

  it('compares price sets', () => {
    expect(samePrices(v(1).precios, v(2).precios)).toBe(true);
    expect(samePrices(v(1).precios, v(2, 1).precios)).toBe(false);
  });
});

// ── the prices rule at the station ──────────────────────────────────────────────────────────────

const precio = fc.oneof(
  fc.integer({ min: PRECIO_MIN, max: PRECIO_MAX }),
  fc.integer({ min: 1, max: 1_000_000 }), // what the wire schema lets through
);
const precios: fc.Arbitrary<Precios> = fc.record({
  precio_93: precio,
  precio_95: precio,
  precio_97: precio,
  precio_diesel: precio,
});
const version = fc.oneof(
  fc.integer({ min: 0, max: 10 }),
  fc.integer({ min: 0, max: 2 * MAX_VERSION_JUMP }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(MAX_VERSION, MAX_VERSION + 1, 2 ** 53 - 1),
);
const T = '2026-01-01T00:00:00Z';

describe('PriceBook and the prices rule', () => {
  it('whatever the company sends, the book only ever holds plausible versions and prices, and only moves forward', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(version, precios), { maxLength: 40 }), (updates) => {
        const book = PriceBook.withDefaults(T);
        for (const [n, p] of updates) {
          const before = book.current;
          const rechazo = book.review(n, p);
          if (rechazo === null) book.offer({ version: n, precios: p, actualizado: T, origen: 'empresa' });
          else expect(book.current).toBe(before);
          expect(versionEnRango(book.current.version)).toBe(true);
          expect(preciosFueraDeRango(book.current.precios)).toEqual([]);
          expect(book.current.version).toBeGreaterThanOrEqual(before.version);
          expect(book.current.version - before.version).toBeLessThanOrEqual(
            before.version === 0 ? MAX_VERSION : MAX_VERSION_JUMP,
          );
        }
      }),
    );
  });

  it('refuses a version above MAX_VERSION, a jump past MAX_VERSION_JUMP and prices out of range, naming the field', () => {
    const book = new PriceBook(v(7));
    expect(book.review(2 ** 53 - 1, PRECIOS_POR_DEFECTO)).toMatchObject({
      codigo: 'VERSION_INVALIDA',
      detalles: [{ campo: 'version' }],
    });
    expect(book.review(7 + MAX_VERSION_JUMP + 1, PRECIOS_POR_DEFECTO)).toMatchObject({ codigo: 'VERSION_INVALIDA' });
    expect(book.review(7 + MAX_VERSION_JUMP, PRECIOS_POR_DEFECTO)).toBeNull();
    expect(book.review(8, { ...PRECIOS_POR_DEFECTO, precio_97: 99 })).toMatchObject({
      codigo: 'PRECIO_FUERA_DE_RANGO',
      detalles: [{ campo: 'precios.precio_97' }],
    });
    // A station that holds only its defaults takes a company with a long history.
    expect(PriceBook.withDefaults(T).review(MAX_VERSION, PRECIOS_POR_DEFECTO)).toBeNull();
  });

  it('starts on the newest stored version that follows the rule (an older build may have stored absurd ones)', () => {
    const stored = [
      { ...v(2 ** 53 - 1), origen: 'empresa' as const },
      { ...v(2 ** 60), origen: 'empresa' as const },
      v(9, 5),
      v(5, 1390),
      v(4, 1380),
    ];
    const { book, descartadas } = PriceBook.fromStored(stored, T);
    expect(book.current).toMatchObject({ version: 5, precios: { precio_95: 1390 } });
    expect(book.previous?.version).toBe(4);
    expect(descartadas.map((d) => d.version)).toEqual([2 ** 53 - 1, 2 ** 60, 9]);
    const vacio = PriceBook.fromStored([v(2 ** 53 - 1)], T);
    expect(vacio.book.current).toMatchObject({ version: 0, origen: 'defecto', precios: PRECIOS_POR_DEFECTO });
    expect(PriceBook.fromStored([], T).descartadas).toEqual([]);
  });

  it('whatever is stored, the book it starts with is plausible', () => {
    const raro = fc.oneof(version, fc.double(), fc.constantFrom(-1, Number.NaN, 2 ** 60));
    const guardada = fc.record({
      version: raro,
      precios,
      actualizado: fc.constant(T),
      origen: fc.constantFrom('defecto' as const, 'empresa' as const, 'local' as const),
    });
    fc.assert(
      fc.property(fc.array(guardada, { maxLength: 10 }), (stored) => {
        const { book } = PriceBook.fromStored(stored, T);
        expect(esVersionPlausible(book.current)).toBe(true);
        if (book.previous) expect(esVersionPlausible(book.previous)).toBe(true);
      }),
    );
  });
});

describe('PriceBook: a scheduled version', () => {
  const T = '2026-01-15T14:00:00.000Z';
  const at = (iso: string) => Date.parse(iso);
  const programada = (version: number, vigencia: string): VersionPrecios => ({ ...v(version, 1400), vigencia });

  it('keeps it beside the version in force and puts it in force at its vigencia, not before', () => {
    const book = new PriceBook(v(2));
    expect(book.schedule(programada(3, '2026-01-15T15:00:00.000Z'))).toBeNull();
    expect(book.highest).toBe(3);
    expect(book.activate(at('2026-01-15T14:59:59.999Z'))).toBeNull();
    expect(book.current.version).toBe(2);
    expect(book.activate(at('2026-01-15T15:00:00.000Z'))).toMatchObject({ version: 3 });
    expect(book.current).toMatchObject({ version: 3, precios: { precio_95: 1400 } });
    expect(book.previous?.version).toBe(2);
    expect(book.programada).toBeNull();
  });

  it('orders by version alone: a newer scheduled one replaces it, a newer one in force at once supersedes it', () => {
    const book = new PriceBook(v(2));
    book.schedule(programada(3, '2026-01-15T15:00:00.000Z'));
    expect(book.schedule(programada(3, '2026-01-15T16:00:00.000Z'))).toBe(false); // repeated
    expect(book.schedule(programada(2, '2026-01-15T16:00:00.000Z'))).toBe(false); // not newer than in force
    expect(book.schedule(programada(4, '2026-01-15T16:00:00.000Z'))).toMatchObject({ version: 3 });
    expect(book.offer(v(3))).toBe(true); // older than the scheduled one: it stays scheduled
    expect(book.programada?.version).toBe(4);
    expect(book.offer(v(4))).toBe(true); // as new as the scheduled one: it is superseded
    expect(book.programada).toBeNull();
    expect(book.activate(at('2026-01-16T00:00:00.000Z'))).toBeNull();
  });

  it('cancels it, and tells a version already in force from one it never held', () => {
    const book = new PriceBook(v(2));
    book.schedule(programada(3, '2026-01-15T15:00:00.000Z'));
    expect(book.cancel(3)).toBe('cancelada');
    expect(book.programada).toBeNull();
    expect(book.cancel(2)).toBe('ya_aplicada');
    expect(book.cancel(7)).toBe('desconocida');
  });

  it('from storage: scheduled while ahead, in force at start when its instant passed while down', () => {
    const stored = [programada(3, '2026-01-15T15:00:00.000Z'), v(2), v(1)];
    const before = PriceBook.fromStored(stored, T).book;
    expect(before.current.version).toBe(2);
    expect(before.programada?.version).toBe(3);
    const after = PriceBook.fromStored(stored, '2026-01-15T15:00:00.000Z').book;
    expect(after.current.version).toBe(3);
    expect(after.previous?.version).toBe(2);
    expect(after.programada).toBeNull();
    const onlyScheduled = PriceBook.fromStored([programada(3, '2026-01-15T15:00:00.000Z')], T).book;
    expect(onlyScheduled.current.version).toBe(0);
    expect(onlyScheduled.programada?.version).toBe(3);
  });
});
