/**
 * Where `empresa login` keeps the session token: `$XDG_CONFIG_HOME/empresa/sesion.json` (else
 * `~/.config/empresa/sesion.json`), one entry per API (its origin), readable only by the user
 * (folder 0700, file 0600, written to a temporary file and renamed so it is never half-written).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SesionGuardada {
  token: string;
  usuario: string;
  rol: string;
  /** ISO instant; null: never. */
  expira: string | null;
}

interface Archivo {
  sesiones: Record<string, SesionGuardada>;
}

/** The session file's path for this environment. */
export function sessionFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)
      ? env.XDG_CONFIG_HOME
      : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'empresa', 'sesion.json');
}

/** The key of an API in the file: its origin (`http://127.0.0.1:8000`). */
export function apiKey(api: string): string {
  try {
    return new URL(api).origin;
  } catch {
    return api;
  }
}

function readFile(file: string): Archivo {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { sesiones: {} };
  }
  try {
    const parsed = JSON.parse(text) as Partial<Archivo>;
    return { sesiones: parsed.sesiones && typeof parsed.sesiones === 'object' ? parsed.sesiones : {} };
  } catch {
    // A damaged file holds nothing usable; the next login rewrites it.
    return { sesiones: {} };
  }
}

function writeFile(file: string, data: Archivo): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  // The mode given to writeFileSync is masked by the umask; make sure.
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** The saved session for `api`, if any (expired or not: the caller decides). */
export function readSession(api: string, env: NodeJS.ProcessEnv = process.env): SesionGuardada | null {
  const entry = readFile(sessionFilePath(env)).sesiones[apiKey(api)];
  return entry && typeof entry.token === 'string' ? entry : null;
}

export function saveSession(api: string, sesion: SesionGuardada, env: NodeJS.ProcessEnv = process.env): string {
  const file = sessionFilePath(env);
  const data = readFile(file);
  data.sesiones[apiKey(api)] = sesion;
  writeFile(file, data);
  return file;
}

/** Forgets the session for `api`; true when there was one. The file goes when it is empty. */
export function removeSession(api: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = sessionFilePath(env);
  const data = readFile(file);
  const key = apiKey(api);
  if (!(key in data.sesiones)) return false;
  delete data.sesiones[key];
  if (Object.keys(data.sesiones).length === 0) rmSync(file, { force: true });
  else writeFile(file, data);
  return true;
}
