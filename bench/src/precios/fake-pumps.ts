/**
 * Pumps that follow prices and nothing else, many per connection set: each registers, answers every
 * `actualizacion_precios` with `precios_aplicados` at once, and notes when it did (ms, performance
 * clock) per version, so the benchmark sees the moment every pump acknowledged a version.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { LineDecoder } from '@combustible/shared';

const line = (m: Record<string, unknown>) => `${JSON.stringify(m)}\n`;

export class FakePump {
  version: number | null = null;
  /** version → when this pump sent `precios_aplicados` for it. */
  readonly ackedAt = new Map<number, number>();
  private onVersion: (() => void) | undefined;

  private constructor(
    readonly id: number,
    private readonly socket: net.Socket,
  ) {}

  static connect(port: number, id: number, timeoutMs = 15_000): Promise<FakePump> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
      const pump = new FakePump(id, socket);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`surtidor ${id}: sin registro_confirmado en ${timeoutMs} ms`));
      }, timeoutMs);
      const decoder = new LineDecoder({
        onLine: (text) => {
          const m = JSON.parse(text) as { tipo: string; version?: number; version_precios?: number };
          if (m.tipo === 'registro_confirmado') {
            clearTimeout(timer);
            pump.version = m.version_precios ?? 0;
            resolve(pump);
          } else if (m.tipo === 'actualizacion_precios' && typeof m.version === 'number') {
            socket.write(line({ tipo: 'precios_aplicados', id_surtidor: id, version: m.version }));
            pump.ackedAt.set(m.version, performance.now());
            pump.version = Math.max(pump.version ?? 0, m.version);
            pump.onVersion?.();
          }
        },
        onOverflow: () => socket.destroy(),
      });
      socket.on('data', (chunk: Buffer) => decoder.push(chunk));
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        socket.write(
          line({
            tipo: 'registro',
            id_surtidor: id,
            nombre: `Banco ${id}`,
            combustibles_soportados: ['93', '95', '97', 'diesel'],
            version: 'bench',
          }),
        );
      });
    });
  }

  /** Resolves once the pump sells at `version` or newer. */
  reaches(version: number, timeoutMs: number): Promise<void> {
    if ((this.version ?? 0) >= version) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`surtidor ${this.id}: no llegó a la versión ${version} en ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.onVersion = () => {
        if ((this.version ?? 0) < version) return;
        clearTimeout(timer);
        this.onVersion = undefined;
        resolve();
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
