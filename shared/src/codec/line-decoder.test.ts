import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_LINE_BYTES, LineDecoder } from './line-decoder.js';

/** A decoder wired to arrays, so a test can look at what came out. */
function decoder(maxLineBytes?: number) {
  const lines: string[] = [];
  const overflows: number[] = [];
  const d = new LineDecoder(
    { onLine: (l) => lines.push(l), onOverflow: (n) => overflows.push(n) },
    maxLineBytes === undefined ? {} : { maxLineBytes },
  );
  const push = (...chunks: (string | Uint8Array)[]) => {
    for (const c of chunks) d.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  };
  return { d, lines, overflows, push };
}

/** Cuts `bytes` at the given positions (any numbers; taken modulo the length, sorted, deduplicated). */
function cut(bytes: Uint8Array, positions: number[]): Uint8Array[] {
  const points = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    if (p > start) chunks.push(bytes.subarray(start, p));
    start = Math.max(start, p);
  }
  return chunks;
}

describe('LineDecoder', () => {
  it('uses 64 KiB as the default limit', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(65_536);
    expect(decoder().d.maxLineBytes).toBe(65_536);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxLineBytes %s', (max) => {
    expect(() => decoder(max)).toThrow(RangeError);
  });

  it('splits on \\n and drops one trailing \\r (CRLF)', () => {
    const { lines, push } = decoder();
    push('{"a":1}\r\n{"b":2}\n{"c":"x\ry"}\r\r\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":"x\ry"}\r']);
  });

  it('handles a CR and its LF arriving in different chunks', () => {
    const { lines, push } = decoder();
    push('abc\r', '\n', 'def\r');
    expect(lines).toEqual(['abc']);
    push('\n');
    expect(lines).toEqual(['abc', 'def']);
  });

  it('ignores empty and blank lines', () => {
    const { lines, push } = decoder();
    push('\n\n\r\n   \n\t\r\nuno\n\n \ndos\n');
    expect(lines).toEqual(['uno', 'dos']);
  });

  it('decodes many lines from one chunk', () => {
    const { lines, push } = decoder();
    const many = Array.from({ length: 1000 }, (_, i) => `{"n":${i}}`);
    push(`${many.join('\n')}\n`);
    expect(lines).toEqual(many);
  });

  it('assembles one line from many chunks, one byte at a time', () => {
    const { d, lines, push } = decoder();
    const line = '{"tipo":"heartbeat","id_surtidor":1,"timestamp":"2024-01-15T14:30:00"}';
    for (const byte of Buffer.from(`${line}\n`)) {
      expect(lines).toEqual([]);
      push(Uint8Array.of(byte));
    }
    expect(lines).toEqual([line]);
    expect(d.bufferedBytes).toBe(0);
  });

  it('decodes a multi-byte UTF-8 character split across chunks', () => {
    const { lines, push } = decoder();
    const euro = Buffer.from('€'); // e2 82 ac
    const emoji = Buffer.from('⛽'); // e2 9b bd
    const face = Buffer.from('😀'); // 4 bytes
    expect(euro.length).toBe(3);
    expect(face.length).toBe(4);
    push('{"p":"', euro.subarray(0, 1), euro.subarray(1, 2), euro.subarray(2), emoji.subarray(0, 2));
    push(emoji.subarray(2), face.subarray(0, 3), face.subarray(3), '"}\n');
    expect(lines).toEqual(['{"p":"€⛽😀"}']);
  });

  it('does not keep a reference to a chunk the caller reuses', () => {
    const { lines, d } = decoder();
    const chunk = Buffer.from('hola ');
    d.push(chunk);
    chunk.write('XXXXX');
    d.push(Buffer.from('mundo\n'));
    expect(lines).toEqual(['hola mundo']);
  });

  it('accepts Uint8Array views with an offset into a larger buffer', () => {
    const { lines, d } = decoder();
    const backing = new TextEncoder().encode('xxxuno\ndosyyy');
    d.push(backing.subarray(3, 10));
    d.push(backing.subarray(10, 11));
    d.push(Uint8Array.of(0x0a));
    expect(lines).toEqual(['uno', 'dosy']);
  });

  it('accepts a line of exactly maxLineBytes', () => {
    const { lines, overflows, push } = decoder(8);
    push('12345', '678\n');
    expect(lines).toEqual(['12345678']);
    expect(overflows).toEqual([]);
  });

  it('reports an over-long line once, discards the rest of it, then decodes the next line', () => {
    const { d, lines, overflows, push } = decoder(10);
    push('ok\n', 'x'.repeat(8));
    expect(d.bufferedBytes).toBe(8);
    push('x'.repeat(8));
    expect(overflows).toEqual([16]);
    expect(d.bufferedBytes).toBe(0);
    push('x'.repeat(1000), 'y'.repeat(1000));
    push('zz\r\nsiguiente\n');
    expect(overflows).toEqual([16]);
    expect(lines).toEqual(['ok', 'siguiente']);
    expect(d.bufferedBytes).toBe(0);
  });

  it('reports an over-long line that arrives whole in one chunk and keeps decoding that chunk', () => {
    const { lines, overflows, push } = decoder(4);
    push('antes\nab\n');
    expect(overflows).toEqual([5]);
    expect(lines).toEqual(['ab']);
    push('abcd\n');
    expect(lines).toEqual(['ab', 'abcd']);
  });

  it('reports each of several over-long lines', () => {
    const { lines, overflows, push } = decoder(3);
    push('aaaa\nbb\ncccc', 'cc\ndd\n');
    expect(overflows).toEqual([4, 4]);
    expect(lines).toEqual(['bb', 'dd']);
  });

  it('forgets a partial line on reset(), including a line being discarded', () => {
    const { d, lines, overflows, push } = decoder(4);
    push('parc');
    d.reset();
    expect(d.bufferedBytes).toBe(0);
    push('ial\n');
    expect(lines).toEqual(['ial']);
    push('demasiado');
    expect(overflows).toHaveLength(1);
    d.reset();
    push('ok\n');
    expect(lines).toEqual(['ial', 'ok']);
  });

  it('does not emit a trailing line that has no newline', () => {
    const { d, lines, push } = decoder();
    push('uno\ndos');
    expect(lines).toEqual(['uno']);
    expect(d.bufferedBytes).toBe(3);
  });
});

describe('LineDecoder properties', () => {
  /** Non-blank text with no \n and no trailing \r (the decoder would strip it). */
  const lineText = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 40 })
    .filter((s) => !s.includes('\n') && !s.endsWith('\r') && s.trim().length > 0);
  const blank = fc.constantFrom('', ' ', '\r', '\t \r');

  it('yields exactly the same lines however the byte stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            {
              weight: 4,
              arbitrary: fc.record({ text: lineText, crlf: fc.boolean(), blank: fc.constant(false) }),
            },
            {
              weight: 1,
              arbitrary: fc.record({ text: blank, crlf: fc.boolean(), blank: fc.constant(true) }),
            },
          ),
          { maxLength: 30 },
        ),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.boolean(),
        (entries, positions, asBuffer) => {
          const stream = Buffer.from(entries.map((e) => `${e.text}${e.crlf ? '\r\n' : '\n'}`).join(''), 'utf8');
          const bytes = new Uint8Array(stream); // a plain Uint8Array: chunks are views with offsets
          const { d, lines } = decoder();
          for (const chunk of cut(bytes, positions)) {
            d.push(asBuffer ? Buffer.from(chunk) : chunk);
          }
          expect(lines).toEqual(entries.filter((e) => !e.blank).map((e) => e.text));
          expect(d.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects over-long lines and never buffers more than maxLineBytes, whatever the chunking', () => {
    const char = fc.constantFrom('a', 'z', ' ', 'é', '€', '😀', '{', '"');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.array(
          fc.array(char, { maxLength: 30 }).map((cs) => cs.join('')),
          { maxLength: 20 },
        ),
        fc.array(fc.nat(), { maxLength: 60 }),
        (max, texts, positions) => {
          const { d, lines, overflows } = decoder(max);
          for (const chunk of cut(Buffer.from(texts.map((t) => `${t}\n`).join('')), positions)) {
            d.push(chunk);
            expect(d.bufferedBytes).toBeLessThanOrEqual(max);
          }
          const long = texts.filter((t) => Buffer.byteLength(t) > max);
          const kept = texts.filter((t) => Buffer.byteLength(t) <= max && t.trim().length > 0);
          expect(overflows).toHaveLength(long.length);
          for (const n of overflows) expect(n).toBeGreaterThan(max);
          expect(lines).toEqual(kept);
          expect(d.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws on random bytes in random chunks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 50 }),
        (max, bytes, positions) => {
          const d = new LineDecoder(
            {
              onLine: (l) => expect(typeof l).toBe('string'),
              onOverflow: (n) => expect(n).toBeGreaterThan(max),
            },
            { maxLineBytes: max },
          );
          for (const chunk of cut(bytes, positions)) {
            expect(() => d.push(chunk)).not.toThrow();
            expect(d.bufferedBytes).toBeLessThanOrEqual(max);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
