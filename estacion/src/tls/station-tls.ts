/**
 * The station's TLS certificate while it runs: read from --tls-cert/--tls-key (and --tls-ca), handed
 * to the pump and company servers, and reloaded without dropping a session (SIGHUP or a change of
 * the files: `server.setSecureContext()`, so live connections keep theirs and new ones get the new
 * certificate). Which certificate is in use (sha256 fingerprint, expiry) is logged, exported as a
 * gauge and, 30 days before expiry, raised as a station alert (checked at start, on every reload
 * and daily on the injected clock).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import tls from 'node:tls';
import type { Clock, Logger, TimerHandle } from '@combustible/shared';

export const EXPIRY_WARNING_MS = 30 * 86_400_000;
const DAY_MS = 86_400_000;

export interface TlsFiles {
  cert: string;
  key: string;
  ca?: string | undefined;
}

export interface CertificateInUse {
  /** SHA-256 fingerprint, as openssl prints it (AB:CD:...). */
  huella: string;
  sujeto: string;
  /** Expiry, epoch milliseconds. */
  expira: number;
}

export interface StationTlsDeps {
  log: Logger;
  clock: Clock;
  /** The certificate in use changed (or was first loaded). */
  onCertificate?: (info: CertificateInUse) => void;
  /** Alerts: raised when the certificate expires within 30 days, resolved when a reload fixes it. */
  alerts?: {
    raise(a: {
      codigo: 'TLS_CERTIFICADO_POR_VENCER';
      clave: string;
      mensaje: string;
      severidad: 'advertencia';
      id_surtidor: null;
      datos?: Record<string, unknown>;
    }): void;
    resolve(clave: string): void;
  };
}

const ALERT_KEY = 'TLS_CERTIFICADO_POR_VENCER';

/** Reads and checks the files: a key that does not match its certificate throws here. */
export function loadTlsFiles(files: TlsFiles): { context: tls.SecureContextOptions; info: CertificateInUse } {
  const cert = readFileSync(files.cert);
  const key = readFileSync(files.key);
  const context: tls.SecureContextOptions = { cert, key, ...(files.ca ? { ca: readFileSync(files.ca) } : {}) };
  tls.createSecureContext(context);
  const x509 = new X509Certificate(cert);
  return {
    context,
    info: { huella: x509.fingerprint256, sujeto: x509.subject.replace(/\n/g, ', '), expira: Date.parse(x509.validTo) },
  };
}

interface Target {
  setSecureContext?(options: tls.SecureContextOptions): void;
}

export class StationTls {
  private current: { context: tls.SecureContextOptions; info: CertificateInUse };
  private readonly targets: Target[] = [];
  private dailyTimer: TimerHandle | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private watching = false;
  private stopped = false;

  constructor(
    readonly files: TlsFiles,
    private readonly deps: StationTlsDeps,
  ) {
    this.current = loadTlsFiles(files);
    this.announce('certificado TLS en uso');
    this.scheduleDaily();
  }

  get context(): tls.SecureContextOptions {
    return this.current.context;
  }

  get info(): CertificateInUse {
    return this.current.info;
  }

  /** A server whose new connections follow reloads. */
  attach(target: Target): void {
    this.targets.push(target);
  }

  /**
   * Reads the files again and, if they make a valid certificate and key, gives new connections the
   * new certificate. A broken file keeps the certificate in use (logged). Returns whether it changed.
   */
  reload(motivo: string): boolean {
    let next: { context: tls.SecureContextOptions; info: CertificateInUse };
    try {
      next = loadTlsFiles(this.files);
    } catch (err) {
      this.deps.log.error(
        { err, motivo, huella: this.current.info.huella },
        'no se pudo recargar el certificado TLS: sigue el anterior',
      );
      return false;
    }
    for (const t of this.targets) t.setSecureContext?.(next.context);
    const changed = next.info.huella !== this.current.info.huella;
    this.current = next;
    this.announce(
      changed ? `certificado TLS recargado (${motivo})` : `certificado TLS releído sin cambios (${motivo})`,
    );
    return changed;
  }

  /** Reloads when the certificate or key file changes (polled, debounced). */
  watch(intervalMs = 1000, debounceMs = 500): void {
    if (this.watching) return;
    this.watching = true;
    const onChange = (now: { mtimeMs: number }, prev: { mtimeMs: number }) => {
      if (now.mtimeMs === prev.mtimeMs || this.stopped) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.reload('archivo modificado'), debounceMs);
      this.debounce.unref();
    };
    for (const f of [this.files.cert, this.files.key])
      watchFile(f, { interval: intervalMs, persistent: false }, onChange);
  }

  /** Raises (or resolves) the expiry alert for the certificate in use. */
  checkExpiry(): void {
    const { info } = this.current;
    const left = info.expira - this.deps.clock.now();
    if (left <= EXPIRY_WARNING_MS) {
      const dias = Math.max(0, Math.floor(left / DAY_MS));
      this.deps.alerts?.raise({
        codigo: 'TLS_CERTIFICADO_POR_VENCER',
        clave: `${ALERT_KEY}:${info.huella}`,
        mensaje:
          left <= 0
            ? `el certificado TLS de la estación venció el ${new Date(info.expira).toISOString()}`
            : `el certificado TLS de la estación vence en ${dias} días (${new Date(info.expira).toISOString()})`,
        severidad: 'advertencia',
        id_surtidor: null,
        datos: { huella: info.huella, expira: new Date(info.expira).toISOString() },
      });
    }
  }

  stop(): void {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.dailyTimer);
    clearTimeout(this.debounce);
    if (this.watching) for (const f of [this.files.cert, this.files.key]) unwatchFile(f);
  }

  private previous: CertificateInUse | undefined;

  private announce(msg: string): void {
    const { info } = this.current;
    if (this.previous && this.previous.huella !== info.huella)
      this.deps.alerts?.resolve(`${ALERT_KEY}:${this.previous.huella}`);
    this.previous = info;
    this.deps.log.info({ huella: info.huella, sujeto: info.sujeto, expira: new Date(info.expira).toISOString() }, msg);
    this.deps.onCertificate?.(info);
    this.checkExpiry();
  }

  private scheduleDaily(): void {
    this.dailyTimer = this.deps.clock.setTimeout(() => {
      if (this.stopped) return;
      this.checkExpiry();
      this.scheduleDaily();
    }, DAY_MS);
  }
}
