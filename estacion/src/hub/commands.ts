import { randomUUID } from 'node:crypto';
import type { Clock, ComandoNombre } from '@combustible/shared';
import { StationError } from '../errors.js';

export interface CommandAnswer {
  id_comando: string;
  comando: ComandoNombre;
  resultado: string;
}

interface Pending {
  id_surtidor: number;
  comando: ComandoNombre;
  resolve: (a: CommandAnswer) => void;
  reject: (e: Error) => void;
  timer: ReturnType<Clock['setTimeout']>;
}

/** Commands sent to pumps and waiting for their `comando_ejecutado`. */
export class CommandTracker {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly maxPerPump = 16,
  ) {}

  countFor(idSurtidor: number): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.id_surtidor === idSurtidor) n++;
    return n;
  }

  /** Registers a command; `send` writes it with the generated id_comando. */
  start(
    idSurtidor: number,
    comando: ComandoNombre,
    timeoutMs: number,
    send: (idComando: string) => void,
  ): Promise<CommandAnswer> {
    if (this.countFor(idSurtidor) >= this.maxPerPump) {
      return Promise.reject(
        new StationError(
          'COMANDOS_PENDIENTES_EXCEDIDOS',
          `el surtidor ${idSurtidor} tiene demasiados comandos pendientes`,
        ),
      );
    }
    const id = randomUUID();
    return new Promise<CommandAnswer>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new StationError('COMANDO_TIMEOUT', `el surtidor ${idSurtidor} no respondió "${comando}" a tiempo`));
      }, timeoutMs);
      this.pending.set(id, { id_surtidor: idSurtidor, comando, resolve, reject, timer });
      send(id);
    });
  }

  /** A `comando_ejecutado` arrived; false when nothing was waiting for it (late or unknown). */
  answer(idSurtidor: number, idComando: string, resultado: string): boolean {
    const p = this.pending.get(idComando);
    if (!p || p.id_surtidor !== idSurtidor) return false;
    this.pending.delete(idComando);
    this.clock.clearTimeout(p.timer);
    p.resolve({ id_comando: idComando, comando: p.comando, resultado });
    return true;
  }

  /** The pump's connection ended: everything waiting on it fails now, not at its timeout. */
  failAll(idSurtidor: number): void {
    for (const [id, p] of this.pending) {
      if (p.id_surtidor !== idSurtidor) continue;
      this.pending.delete(id);
      this.clock.clearTimeout(p.timer);
      p.reject(new StationError('SURTIDOR_DESCONECTADO', `el surtidor ${idSurtidor} se desconectó`));
    }
  }
}
