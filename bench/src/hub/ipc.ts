/** Both ends of the IPC channel between a benchmark and a child it forked. */
import type { Child } from './children.js';

/** In the child: sends `msg` to the parent; resolves once it is handed over (at once without a channel). */
export function toParent(msg: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(msg, undefined, undefined, () => resolve());
  });
}

/** In the child: resolves with the first message from the parent that `accept` takes. */
export function fromParent<T>(accept: (m: unknown) => m is T): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (!accept(m)) return;
      process.off('message', onMessage);
      resolve(m);
    };
    process.on('message', onMessage);
  });
}

/**
 * In the parent: sends `command` (if any) to the child and resolves with its next message of type
 * `answer`. Rejects on the child's `{type: 'fatal', message}`, on its exit, or after `timeoutMs`.
 */
export function ask<T extends { type: string }>(
  child: Child,
  command: object | null,
  answer: T['type'],
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.proc.off('message', onMessage);
      child.proc.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${child.name}: sin respuesta "${answer}" en ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: { type?: string; message?: string }) => {
      if (m.type === 'fatal') {
        done();
        reject(new Error(`${child.name}: ${m.message ?? 'error'}`));
      } else if (m.type === answer) {
        done();
        resolve(m as T);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      done();
      reject(new Error(`${child.name} terminó (${signal ?? code}) sin responder "${answer}"`));
    };
    child.proc.on('message', onMessage);
    child.proc.once('exit', onExit);
    if (!child.proc.connected) onExit(child.proc.exitCode, child.proc.signalCode);
    else if (command) child.proc.send(command);
  });
}
