/**
 * A pump's durable, unconfirmed sales in the order they were made. Confirmations may come out of
 * order (several are in flight): a confirmed sale leaves a hole that is skipped and trimmed.
 * Positions are absolute and never reused, so a sender can keep a cursor into the queue.
 */
import type { TransaccionCompletada } from '@combustible/shared';

export interface PendingEntry {
  pos: number;
  tx: TransaccionCompletada;
}

export class PendingSales implements Iterable<TransaccionCompletada> {
  private items: (TransaccionCompletada | null)[] = [];
  /** Absolute position of items[0]. */
  private offset = 0;
  /** Index in `items` of the first live entry (or items.length). */
  private head = 0;
  private readonly positions = new Map<string, number>();

  get size(): number {
    return this.positions.size;
  }

  /** Absolute position of the oldest unconfirmed sale (or of the next one to come). */
  get start(): number {
    return this.offset + this.head;
  }

  has(idTransaccion: string): boolean {
    return this.positions.has(idTransaccion);
  }

  get(idTransaccion: string): TransaccionCompletada | null {
    const pos = this.positions.get(idTransaccion);
    return pos === undefined ? null : (this.items[pos - this.offset] ?? null);
  }

  /** Appends a sale; false (and nothing changes) when its id is already pending. */
  push(tx: TransaccionCompletada): boolean {
    const id = tx.id_transaccion;
    if (id === undefined || this.positions.has(id)) return false;
    this.positions.set(id, this.offset + this.items.length);
    this.items.push(tx);
    return true;
  }

  /** Removes a confirmed sale; returns it, or null when it was not pending. */
  ack(idTransaccion: string): TransaccionCompletada | null {
    const pos = this.positions.get(idTransaccion);
    if (pos === undefined) return null;
    this.positions.delete(idTransaccion);
    const i = pos - this.offset;
    const tx = this.items[i] ?? null;
    this.items[i] = null;
    while (this.head < this.items.length && this.items[this.head] === null) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.offset += this.head;
      this.head = 0;
    }
    return tx;
  }

  /** The first unconfirmed sale at absolute position `pos` or later. */
  nextFrom(pos: number): PendingEntry | null {
    let i = Math.max(pos - this.offset, this.head);
    while (i < this.items.length) {
      const tx = this.items[i];
      if (tx) return { pos: this.offset + i, tx };
      i += 1;
    }
    return null;
  }

  *[Symbol.iterator](): Iterator<TransaccionCompletada> {
    for (let i = this.head; i < this.items.length; i++) {
      const tx = this.items[i];
      if (tx) yield tx;
    }
  }
}
