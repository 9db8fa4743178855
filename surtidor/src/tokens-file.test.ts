import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from './cli.js';
import { parseTokensFile } from './tokens-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('--tokens-file', () => {
  it('reads "ID TOKEN" lines, skipping blank lines and # comments', () => {
    const tokens = parseTokensFile('# flota norte\n1 srt_uno\n\n  3\tsrt_tres   # isla 3\r\n');
    expect([...tokens]).toEqual([
      [1, 'srt_uno'],
      [3, 'srt_tres'],
    ]);
  });

  it('names every bad line', () => {
    let error: unknown;
    try {
      parseTokensFile('1 a\nx b\n2\n1 c\n', 'f.txt');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      '--tokens-file f.txt:2: "x" no es un id de surtidor',
      '--tokens-file f.txt:3: se esperaba "ID TOKEN"',
      '--tokens-file f.txt:4: el surtidor 1 aparece dos veces',
    ]);
  });

  it('is read by parseArgs into pumpTokens, beside --token for the pumps without a line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'surtidor-tokens-'));
    dirs.push(dir);
    const file = join(dir, 'tokens.txt');
    writeFileSync(file, '2 srt_dos\n');
    const config = parseArgs(['--count', '3', '--tokens-file', file, '--token', 'compartido']);
    expect(config.pumpTokens?.get(2)).toBe('srt_dos');
    expect(config.pumpTokens?.get(1)).toBeUndefined();
    expect(config.token).toBe('compartido');
    expect(() => parseArgs(['--tokens-file', join(dir, 'no-existe.txt')])).toThrow(/no se pudo leer/);
  });
});
