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
  /** Commands pending per pump: a forecourt command starts one for every pump in one pass. */
  private readonly perPump = new Map<number, number>();

  constructor(
    private readonly clock: Clock,
    private readonly maxPerPump = 16,
  ) {}

  countFor(idSurtidor: number): number {
    return this.perPump.get(idSurtidor) ?? 0;
  }

  private add(id: string, p: Pending): void {
    this.pending.set(id, p);
    this.perPump.set(p.id_surtidor, this.countFor(p.id_surtidor) + 1);
  }

  private remove(id: string, p: Pending): void {
    this.pending.delete(id);
    const n = this.countFor(p.id_surtidor) - 1;
    if (n > 0) this.perPump.set(p.id_surtidor, n);
    else this.perPump.delete(p.id_surtidor);
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
        const p = this.pending.get(id);
        if (p) this.remove(id, p);
        reject(new StationError('COMANDO_TIMEOUT', `el surtidor ${idSurtidor} no respondió "${comando}" a tiempo`));
      }, timeoutMs);
      this.add(id, { id_surtidor: idSurtidor, comando, resolve, reject, timer });
      send(id);
    });
  }

  /** A `comando_ejecutado` arrived; false when nothing was waiting for it (late or unknown). */
  answer(idSurtidor: number, idComando: string, resultado: string): boolean {
    const p = this.pending.get(idComando);
    if (!p || p.id_surtidor !== idSurtidor) return false;
    this.remove(idComando, p);
    this.clock.clearTimeout(p.timer);
    p.resolve({ id_comando: idComando, comando: p.comando, resultado });
    return true;
  }

  /** The pump's connection ended: everything waiting on it fails now, not at its timeout. */
  failAll(idSurtidor: number): void {
    for (const [id, p] of this.pending) {
      if (p.id_surtidor !== idSurtidor) continue;
      this.remove(id, p);
      this.clock.clearTimeout(p.timer);
      p.reject(new StationError('SURTIDOR_DESCONECTADO', `el surtidor ${idSurtidor} se desconectó`));
    }
  }
}
