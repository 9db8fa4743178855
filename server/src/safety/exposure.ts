/**
 * Protected mode, as Redis does it: a service asked to listen on an address other people can reach
 * refuses to start while one of its ports has no credential, with one line that lists the ways
 * out. `--insecure` accepts the risk; the service then warns at every start.
 */
import net from 'node:net';

/**
 * One fact about a port: whether one credential for it is configured. Several facts with the same
 * `name` are alternatives (a shared token, per-pump tokens, client certificates…): the port is
 * protected when any of them is present.
 */
export interface CredentialFact {
  /** The port or link it protects, as the message names it ("el puerto de surtidores"). */
  name: string;
  /** The flag that sets it (`--pump-token`). */
  flag: string;
  /** The environment variable that sets it (`ESTACION_PUMP_TOKEN`). */
  env: string;
  present: boolean;
}

export interface ExposureInput {
  /** The service, as the message names it (`estacion`). */
  service: string;
  /** The address it listens on (`--host`). */
  host: string;
  credentials: CredentialFact[];
  /** `--insecure` was given. */
  insecure: boolean;
}

export type ExposureDecision =
  { verdict: 'ok' } | { verdict: 'denied'; message: string } | { verdict: 'warn'; message: string };

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and `localhost`: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) {
    const loopback = new net.BlockList();
    loopback.addAddress('::1', 'ipv6');
    loopback.addSubnet('127.0.0.0', 8, 'ipv4');
    return loopback.check(h, 'ipv6');
  }
  return false;
}

/** The ports without any credential, each with the flags (and variables) that would protect it. */
function unprotected(credentials: CredentialFact[]): { name: string; ways: CredentialFact[] }[] {
  const ports = new Map<string, CredentialFact[]>();
  for (const c of credentials) ports.set(c.name, [...(ports.get(c.name) ?? []), c]);
  return [...ports.entries()]
    .filter(([, facts]) => !facts.some((f) => f.present))
    .map(([name, ways]) => ({ name, ways }));
}

const describeWays = (ways: CredentialFact[]) => ways.map((w) => `${w.flag} (o ${w.env})`).join(' o ');

/** Decides whether a service may start listening on `host` with the credentials it has. */
export function checkExposure(input: ExposureInput): ExposureDecision {
  if (isLoopbackHost(input.host)) return { verdict: 'ok' };
  const open = unprotected(input.credentials);
  if (open.length === 0) return { verdict: 'ok' };
  const what = open.map((p) => p.name).join(' ni para ');
  const set = open.map((p) => describeWays(p.ways)).join(' y ');
  if (input.insecure) {
    return {
      verdict: 'warn',
      message:
        `INSEGURO: ${input.service} escucha en ${input.host} sin credencial para ${what} (--insecure): ` +
        `cualquiera que alcance esta dirección puede conectarse; defina ${set}`,
    };
  }
  return {
    verdict: 'denied',
    message:
      `DENEGADO (modo protegido): ${input.service} escucharía en ${input.host} sin credencial para ${what}: ` +
      `defina ${set}, o escuche en 127.0.0.1 (--host 127.0.0.1), o pase --insecure para aceptar el riesgo`,
  };
}

/**
 * The codes a station or company start-up refusal carries (in the `no se pudo iniciar` log line;
 * the process exits 1). Documented in docs/security.md (tests/error-codes.test.ts checks that).
 */
export const STARTUP_ERRORS = {
  MODO_PROTEGIDO:
    'Protected mode: the service would listen on a non-loopback address without the credentials it needs.',
} as const;

/** Raised by a service's start-up when protected mode denies it; the CLI prints the one line. */
export class ExposureDeniedError extends Error {
  readonly code = 'MODO_PROTEGIDO';
  constructor(message: string) {
    super(message);
    this.name = 'ExposureDeniedError';
  }
}

/**
 * Applies a decision at start-up: throws ExposureDeniedError when denied, and calls `warn` with the
 * message when the risk was accepted (so every start says it again).
 */
export function enforceExposure(decision: ExposureDecision, warn: (message: string) => void): void {
  if (decision.verdict === 'denied') throw new ExposureDeniedError(decision.message);
  if (decision.verdict === 'warn') warn(decision.message);
}
