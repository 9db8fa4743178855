import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { adminBanner, boxed, CliUsuariosError, cliErrorLines, readPasswordFromStdin } from './cli-usuarios.js';
import { AuthError } from './errors.js';

describe('readPasswordFromStdin', () => {
  it('takes the first line without its line break', async () => {
    expect(await readPasswordFromStdin(Readable.from(['una clave larga\r\n', 'otra línea\n']))).toBe('una clave larga');
    expect(await readPasswordFromStdin(Readable.from([Buffer.from('sin-salto')]))).toBe('sin-salto');
  });

  it('refuses nothing, too much, and a terminal', async () => {
    await expect(readPasswordFromStdin(Readable.from(['\n']))).rejects.toThrow(/ninguna clave/);
    await expect(readPasswordFromStdin(Readable.from(['x'.repeat(10)]), 5)).rejects.toThrow(/supera 5 bytes/);
    const tty = Object.assign(Readable.from([]), { isTTY: true });
    await expect(readPasswordFromStdin(tty)).rejects.toBeInstanceOf(CliUsuariosError);
  });
});

describe('banner and errors', () => {
  it('frames the first admin password so it stands out, lines of any length', () => {
    const text = adminBanner('estacion', { usuario: 'admin', clave: 'Zx9-secreta' });
    const lines = text.split('\n');
    expect(new Set(lines.map((l) => [...l].length)).size).toBe(1);
    expect(text).toContain('clave:   Zx9-secreta');
    expect(text).toContain('no se volverá a mostrar');
    expect(boxed(['a', 'ñandú'])).toBe('╔═════════╗\n║  a      ║\n║  ñandú  ║\n╚═════════╝');
  });

  it('turns expected errors into lines and leaves bugs alone', () => {
    expect(
      cliErrorLines(
        new AuthError('VALIDACION', 'clave inválida', { detalles: [{ campo: 'clave', problema: 'corta' }] }),
      ),
    ).toEqual(['clave inválida', '  - clave: corta']);
    expect(cliErrorLines(new CliUsuariosError('falta algo', ['uno']))).toEqual(['falta algo', '  - uno']);
    expect(cliErrorLines(new TypeError('bug'))).toBeNull();
  });
});
