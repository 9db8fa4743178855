import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PRECIOS_POR_DEFECTO, type TransaccionCompletada } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, memoryLogger } from '../test-support.js';
import { LOCK_FILE } from './lock.js';
import { OUTBOX_FILE, Outbox, type OutboxOptions } from './outbox.js';

const dirs: string[] = [];
const open: Outbox[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-test-'));
  dirs.push(dir);
  return dir;
}

async function openOutbox(dir: string, extra: Partial<OutboxOptions> = {}) {
  const { log, lines } = memoryLogger();
  const outbox = await Outbox.open({ dir, log, ...extra });
  open.push(outbox);
  return { outbox, lines };
}

afterEach(async () => {
  for (const o of open.splice(0)) await o.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A sale of pump `id`, number `seq`, continuing a meter that grows 10 L per sale. */
function venta(id: number, seq: number, inst = 'i'): TransaccionCompletada {
  return {
    tipo: 'transaccion_completada',
    id_surtidor: id,
    id_transaccion: `${id}-${inst}-${seq}`,
    tipo_combustible: '95',
    litros: 10,
    precio_por_litro: 1350,
    monto_total: 13_500,
    metodo_pago: 'tarjeta',
    fecha_inicio: '2026-01-15T14:00:00.000Z',
    fecha_fin: '2026-01-15T14:00:10.000Z',
    estado: 'completada',
    secuencia: seq,
    version_precios: 0,
    totalizador_inicio: (seq - 1) * 10,
    totalizador_fin: seq * 10,
  };
}

const ids = (o: Outbox, id: number) => [...(o.books.get(id)?.pending ?? [])].map((t) => t.id_transaccion);

describe('Outbox', () => {
  it('a sale is handed on only after its flush (fsync) completes, and stays until confirmed', async () => {
    const dir = tempDir();
    const { outbox } = await openOutbox(dir);
    const durable: string[] = [];
    outbox.onDurable = (tx) => durable.push(String(tx.id_transaccion));
    outbox.recordSale(venta(1, 1));
    expect(outbox.pending).toBe(1);
    expect(durable).toEqual([]);
    expect(ids(outbox, 1)).toEqual([]);
    const flushed = outbox.flush();
    expect(durable).toEqual([]); // not before the write is done
    await flushed;
    expect(durable).toEqual(['1-i-1']);
    expect(ids(outbox, 1)).toEqual(['1-i-1']);
    expect(readFileSync(path.join(dir, OUTBOX_FILE), 'utf8')).toContain('"id_transaccion":"1-i-1"');
    expect(outbox.confirm(1, '1-i-1')).toBe(true);
    expect(outbox.confirm(1, '1-i-1')).toBe(false);
    expect(outbox.pending).toBe(0);
  });

  it('a restart rebuilds unconfirmed sales in order, secuencia, meter, instance and prices', async () => {
    const dir = tempDir();
    const first = await openOutbox(dir);
    const inst = first.outbox.book(3).instancia;
    for (let s = 1; s <= 5; s++) first.outbox.recordSale(venta(3, s, inst));
    first.outbox.savePrices(3, { version: 4, precios: { ...PRECIOS_POR_DEFECTO, precio_95: 1499 } });
    await first.outbox.flush();
    first.outbox.confirm(3, `3-${inst}-2`);
    first.outbox.confirm(3, `3-${inst}-4`);
    await first.outbox.close();

    const { outbox } = await openOutbox(dir);
    const book = outbox.books.get(3);
    expect(book?.instancia).toBe(inst);
    expect(book?.secuencia).toBe(5);
    expect(book?.totalizadorMl).toBe(50_000);
    expect(book?.precios).toEqual({ version: 4, precios: { ...PRECIOS_POR_DEFECTO, precio_95: 1499 } });
    expect(ids(outbox, 3)).toEqual([`3-${inst}-1`, `3-${inst}-3`, `3-${inst}-5`]);
    expect(outbox.pending).toBe(3);
    expect(book?.memory({ version: 0, precios: PRECIOS_POR_DEFECTO })).toMatchObject({
      instancia: inst,
      secuencia: 5,
      totalizadorMl: 50_000,
    });
  });

  it('cuts a torn last line and skips unreadable lines, keeping everything else', async () => {
    const dir = tempDir();
    const first = await openOutbox(dir);
    first.outbox.recordSale(venta(1, 1));
    first.outbox.recordSale(venta(1, 2));
    await first.outbox.close();
    const file = path.join(dir, OUTBOX_FILE);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.splice(1, 0, '{"t":"v","id":1,"tx":{"roto":'); // a damaged line in the middle
    writeFileSync(file, lines.join('\n'));
    appendFileSync(file, '{"t":"v","id":1,"tx":{"tipo":"transacc'); // and a torn tail

    const { outbox, lines: logs } = await openOutbox(dir);
    expect(ids(outbox, 1)).toEqual(['1-i-1', '1-i-2']);
    expect(logs.some((l) => l.codigo === 'OUTBOX_REGISTRO_CORRUPTO' && l.lineas === 1)).toBe(true);
    expect(logs.some((l) => l.bytes !== undefined && String(l.msg).includes('incompleta'))).toBe(true);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    outbox.recordSale(venta(1, 3));
    await outbox.close();
    const again = await openOutbox(dir);
    expect(ids(again.outbox, 1)).toEqual(['1-i-1', '1-i-2', '1-i-3']);
  });

  it('compacts when the log holds mostly confirmed sales, and the result replays the same', async () => {
    const dir = tempDir();
    const { outbox } = await openOutbox(dir, { compactMinRecords: 20 });
    const inst = outbox.book(2).instancia;
    for (let s = 1; s <= 60; s++) outbox.recordSale(venta(2, s, inst));
    await outbox.flush();
    for (let s = 1; s <= 57; s++) outbox.confirm(2, `2-${inst}-${s}`);
    outbox.recordSale(venta(2, 61, inst));
    await outbox.flush();
    expect(outbox.stats.compactions).toBe(1);
    expect(outbox.stats.records).toBeLessThan(10);
    const size = readFileSync(path.join(dir, OUTBOX_FILE)).length;
    expect(outbox.stats.fileBytes).toBe(size);
    await outbox.close();
    const { outbox: back } = await openOutbox(dir);
    expect(ids(back, 2)).toEqual([58, 59, 60, 61].map((s) => `2-${inst}-${s}`));
    expect(back.books.get(2)).toMatchObject({ secuencia: 61, totalizadorMl: 610_000, instancia: inst });
  });

  it('allows one process per directory; a dead owner’s lock is taken over', async () => {
    const dir = tempDir();
    await openOutbox(dir);
    await expect(openOutbox(dir)).resolves.toBeDefined(); // same process: a restart within it
    const other = tempDir();
    writeFileSync(path.join(other, LOCK_FILE), String(process.ppid));
    await expect(Outbox.open({ dir: other, log: memoryLogger().log })).rejects.toMatchObject({
      code: 'OUTBOX_EN_USO',
    });
    writeFileSync(path.join(other, LOCK_FILE), '2147483646'); // no such process
    const { outbox } = await openOutbox(other);
    expect(readFileSync(path.join(other, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    await outbox.close();
    expect(() => readFileSync(path.join(other, LOCK_FILE))).toThrow();
  });

  it('keeps a sale unsent while its write fails, and retries', async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    // The retry waits on the clock: when it is scheduled, the failure has been counted and logged.
    const retryScheduled = new Promise<number>((resolve) => {
      const schedule = clock.setTimeout.bind(clock);
      clock.setTimeout = (fn, ms) => {
        resolve(ms);
        return schedule(fn, ms);
      };
    });
    const { outbox, lines } = await openOutbox(dir, { clock, retryMs: 500 });
    const file = (outbox as unknown as { file: { append(d: string): Promise<void> } }).file;
    const real = file.append.bind(file);
    let failures = 1;
    file.append = async (data: string) => {
      if (failures-- > 0) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return real(data);
    };
    const durable: string[] = [];
    outbox.onDurable = (tx) => durable.push(String(tx.id_transaccion));
    outbox.recordSale(venta(1, 1));
    const flushed = outbox.flush();
    expect(await retryScheduled).toBe(500);
    expect(durable).toEqual([]);
    expect(outbox.stats.writeErrors).toBe(1);
    expect(lines.some((l) => l.codigo === 'OUTBOX_ESCRITURA')).toBe(true);
    clock.advance(500);
    await flushed;
    expect(durable).toEqual(['1-i-1']);
  });

  it('writes every sale to the ledger when asked', async () => {
    const dir = tempDir();
    const ledgerFile = path.join(dir, 'libro', 'ventas.ndjson');
    const { outbox } = await openOutbox(dir, { ledgerFile });
    outbox.recordSale(venta(1, 1));
    outbox.recordSale(venta(2, 1));
    await outbox.flush();
    outbox.confirm(1, '1-i-1');
    await outbox.close();
    const ledger = readFileSync(ledgerFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TransaccionCompletada);
    expect(ledger.map((t) => t.id_transaccion)).toEqual(['1-i-1', '2-i-1']);
    expect(ledger[0]).toEqual(venta(1, 1));
  });
});
