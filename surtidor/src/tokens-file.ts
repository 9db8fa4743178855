/**
 * `--tokens-file FILE`: a credential of its own for each pump of a fleet (issued by
 * `estacion surtidores token ID`). One line per pump, `ID TOKEN`; blank lines and `#` comments
 * are skipped. A pump without a line uses `--token` (the station's shared --pump-token), if given.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@combustible/shared';

/** The tokens by pump id; every mistake named with its line number. */
export function parseTokensFile(text: string, file = 'tokens'): Map<number, string> {
  const tokens = new Map<number, string>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `${file}:${i + 1}`;
    const parts = line.split(/\s+/);
    const [id, token] = parts;
    if (parts.length !== 2 || id === undefined || token === undefined) {
      problems.push(`--tokens-file ${where}: se esperaba "ID TOKEN"`);
      return;
    }
    const n = Number(id);
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(n) || n < 1) {
      problems.push(`--tokens-file ${where}: "${id}" no es un id de surtidor`);
      return;
    }
    if (token.length > 256) {
      problems.push(`--tokens-file ${where}: el token supera 256 caracteres`);
      return;
    }
    if (tokens.has(n)) {
      problems.push(`--tokens-file ${where}: el surtidor ${n} aparece dos veces`);
      return;
    }
    tokens.set(n, token);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return tokens;
}

export function readTokensFile(path: string): Map<number, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `--tokens-file: no se pudo leer ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    ]);
  }
  return parseTokensFile(text, path);
}
