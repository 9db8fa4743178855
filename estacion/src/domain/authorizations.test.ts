import { FakeClock, type TransaccionCompletada } from '@combustible/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  Authorizations,
  LIMITES_AUTORIZACION,
  montoPrepagado,
  type NuevaAutorizacion,
  revisarVenta,
  toleranciaLimite,
} from './authorizations.js';
import type { Autorizacion } from './types.js';

const TIMEOUT = 120_000;

function pedido(overrides: Partial<NuevaAutorizacion> = {}): NuevaAutorizacion {
  return {
    id_autorizacion: 'A-1',
    id_surtidor: 1,
    limite: { tipo: 'monto', valor: 10_000 },
    combustibles: null,
    usuario: 'op',
    precio_por_litro: null,
    ...overrides,
  };
}

function venta(overrides: Partial<TransaccionCompletada> = {}): TransaccionCompletada {
  return {
    tipo: 'transaccion_completada',
    id_surtidor: 1,
    tipo_combustible: '95',
    litros: 7.407,
    precio_por_litro: 1350,
    monto_total: 10_000,
    metodo_pago: 'efectivo',
    fecha_inicio: '2026-01-15T14:00:00Z',
    fecha_fin: '2026-01-15T14:01:00Z',
    id_transaccion: 'TX-1',
    id_autorizacion: 'A-1',
    ...overrides,
  };
}

const issued = (r: ReturnType<Authorizations['issue']>): Autorizacion => {
  if ('rechazo' in r) throw new Error(`rechazada: ${r.rechazo}`);
  return r;
};

describe('Authorizations (life cycle)', () => {
  let clock: FakeClock;
  let expired: Autorizacion[];
  let book: Authorizations;

  beforeEach(() => {
    clock = new FakeClock();
    expired = [];
    book = new Authorizations(clock, { timeoutMs: TIMEOUT, maxOpen: 2 }, (a) => expired.push(a));
  });

  it('issues an emitida authorization due after the timeout, with its prepaid amount', () => {
    const a = issued(book.issue(pedido()));
    expect(a).toMatchObject({
      estado: 'emitida',
      id_surtidor: 1,
      monto_prepagado: 10_000,
      creada: new Date(clock.now()).toISOString(),
      vence: new Date(clock.now() + TIMEOUT).toISOString(),
      id_transaccion: null,
      reembolso: null,
    });
    expect(book.openFor(1)).toBe(a);
    expect(book.openCount).toBe(1);
  });

  it('holds at most one open authorization per pump and at most maxOpen in all', () => {
    const a = issued(book.issue(pedido()));
    expect(book.issue(pedido({ id_autorizacion: 'A-2' }))).toEqual({ rechazo: 'AUTORIZACION_ABIERTA', abierta: a });
    issued(book.issue(pedido({ id_autorizacion: 'A-2', id_surtidor: 2 })));
    expect(book.issue(pedido({ id_autorizacion: 'A-3', id_surtidor: 3 }))).toEqual({
      rechazo: 'AUTORIZACIONES_EXCEDIDAS',
      maximo: 2,
    });
  });

  it('expires when dispensing does not start within the timeout, and frees the pump', () => {
    issued(book.issue(pedido()));
    clock.advance(TIMEOUT - 1);
    expect(expired).toEqual([]);
    clock.advance(1);
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ estado: 'expirada', motivo: 'no comenzó a despachar en 120 s' });
    expect(book.openFor(1)).toBeUndefined();
    expect(book.find('A-1')?.estado).toBe('expirada');
    issued(book.issue(pedido({ id_autorizacion: 'A-2' })));
  });

  it('does not expire once the pump dispenses under it', () => {
    issued(book.issue(pedido()));
    expect(book.started(1, 'otra')).toBeNull();
    const d = book.started(1, 'A-1');
    expect(d?.estado).toBe('despachando');
    expect(book.started(1, 'A-1')).toBeNull();
    clock.advance(TIMEOUT * 10);
    expect(expired).toEqual([]);
    expect(book.openFor(1)?.estado).toBe('despachando');
  });

  it('cancels only while not dispensing; nothing to cancel is said', () => {
    expect(book.cancel(1, 'x')).toEqual({ rechazo: 'AUTORIZACION_NO_ENCONTRADA' });
    issued(book.issue(pedido()));
    const c = book.cancel(1, 'cancelada por op');
    expect(c).toMatchObject({ estado: 'cancelada', motivo: 'cancelada por op' });
    expect(book.openFor(1)).toBeUndefined();
    clock.advance(TIMEOUT);
    expect(expired).toEqual([]);
    issued(book.issue(pedido({ id_autorizacion: 'A-2' })));
    book.started(1, undefined);
    expect(book.cancel(1, 'x')).toMatchObject({ rechazo: 'AUTORIZACION_EN_CURSO' });
    expect(book.cancel(1, 'surtidor desconectado', true)).toMatchObject({ estado: 'cancelada' });
  });

  it('is rejected when the pump answers an error, only while emitida', () => {
    issued(book.issue(pedido()));
    expect(book.reject('A-1', 'ocupado')).toMatchObject({ estado: 'rechazada', motivo: 'ocupado' });
    expect(book.reject('A-1', 'otra vez')).toBeNull();
    expect(book.openCount).toBe(0);
  });

  it('load() holds the stored open ones again: one past its vence expires at once, excess ones are closed', () => {
    const base = issued(book.issue(pedido()));
    book.discard('A-1');
    expect(book.openCount).toBe(0);
    const now = clock.now();
    const stale = { ...base, id_autorizacion: 'A-old', vence: new Date(now - 1).toISOString() };
    const other = { ...base, id_autorizacion: 'A-dup' };
    const running = { ...base, id_autorizacion: 'A-run', id_surtidor: 2, estado: 'despachando' as const };
    const closed = { ...base, id_autorizacion: 'A-done', id_surtidor: 3, estado: 'completada' as const };
    const dropped = book.load([stale, other, running, closed]);
    expect(dropped.map((a) => [a.id_autorizacion, a.estado])).toEqual([['A-dup', 'cancelada']]);
    expect(book.openCount).toBe(2);
    clock.advance(0);
    expect(expired.map((a) => a.id_autorizacion)).toEqual(['A-old']);
    expect(book.openFor(2)?.id_autorizacion).toBe('A-run');
  });

  it('stop() clears every timer', () => {
    issued(book.issue(pedido()));
    book.stop();
    clock.advance(TIMEOUT * 2);
    expect(expired).toEqual([]);
  });
});

describe('revisarVenta (sale checks)', () => {
  const ahora = '2026-01-15T14:02:00.000Z';
  const auth = (overrides: Partial<Autorizacion> = {}): Autorizacion => ({
    id_autorizacion: 'A-1',
    id_surtidor: 1,
    estado: 'despachando',
    limite: { tipo: 'monto', valor: 10_000 },
    combustibles: null,
    monto_prepagado: 10_000,
    usuario: 'op',
    creada: '2026-01-15T14:00:00.000Z',
    vence: '2026-01-15T14:02:00.000Z',
    actualizada: '2026-01-15T14:00:00.000Z',
    id_transaccion: null,
    reembolso: null,
    motivo: null,
    ...overrides,
  });
  const codes = (r: ReturnType<typeof revisarVenta>) => r.hallazgos.map((h) => h.codigo);

  it('a sale under a monto preset completes it and records the refund', () => {
    const r = revisarVenta(venta({ monto_total: 7_500, litros: 5.556 }), 'TX-1', {
      modo: 'prepago',
      autorizacion: auth(),
      ahora,
    });
    expect(r.hallazgos).toEqual([]);
    expect(r.reembolso).toBe(2_500);
    expect(r.completada).toMatchObject({
      estado: 'completada',
      id_transaccion: 'TX-1',
      reembolso: 2_500,
      actualizada: ahora,
    });
  });

  it('a monto preset tolerates one 0.01 L step plus a peso, no more', () => {
    const tope = toleranciaLimite({ tipo: 'monto', valor: 10_000 }, 1350);
    expect(tope).toBe(10_000 + 14 + 1);
    const at = revisarVenta(venta({ monto_total: 10_015 }), 'TX-1', { modo: 'prepago', autorizacion: auth(), ahora });
    expect(codes(at)).toEqual([]);
    expect(at.reembolso).toBe(0);
    const over = revisarVenta(venta({ monto_total: 10_016 }), 'TX-1', { modo: 'prepago', autorizacion: auth(), ahora });
    expect(codes(over)).toEqual(['AUTORIZACION_EXCEDIDA']);
    expect(over.completada?.motivo).toMatch(/^AUTORIZACION_EXCEDIDA: monto_total 10016/);
  });

  it('a litros preset tolerates 0.5 %; priced, it refunds what was not dispensed', () => {
    const limite = { tipo: 'litros' as const, valor: 20 };
    const a = auth({ limite, monto_prepagado: montoPrepagado(limite, 1350) });
    expect(a.monto_prepagado).toBe(27_000);
    const ok = revisarVenta(venta({ litros: 20.1, monto_total: 27_135 }), 'TX-1', {
      modo: 'prepago',
      autorizacion: a,
      ahora,
    });
    expect(codes(ok)).toEqual([]);
    expect(ok.reembolso).toBe(0);
    const over = revisarVenta(venta({ litros: 20.11, monto_total: 27_149 }), 'TX-1', {
      modo: 'prepago',
      autorizacion: a,
      ahora,
    });
    expect(codes(over)).toEqual(['AUTORIZACION_EXCEDIDA']);
    const under = revisarVenta(venta({ litros: 10, monto_total: 13_500 }), 'TX-1', {
      modo: 'prepago',
      autorizacion: a,
      ahora,
    });
    expect(under.reembolso).toBe(13_500);
    expect(LIMITES_AUTORIZACION.toleranciaLitros).toBe(0.005);
  });

  it('lleno has no limit and no refund', () => {
    const r = revisarVenta(venta({ litros: 900, monto_total: 1_215_000 }), 'TX-1', {
      modo: 'prepago',
      autorizacion: auth({ limite: { tipo: 'lleno' }, monto_prepagado: null }),
      ahora,
    });
    expect(r.hallazgos).toEqual([]);
    expect(r.reembolso).toBeNull();
    expect(r.completada?.estado).toBe('completada');
  });

  it('a fuel outside combustibles is noticed, and still completes it', () => {
    const r = revisarVenta(venta({ tipo_combustible: 'diesel', precio_por_litro: 1120, monto_total: 8_000 }), 'TX-1', {
      modo: 'prepago',
      autorizacion: auth({ combustibles: ['93', '95'] }),
      ahora,
    });
    expect(codes(r)).toEqual(['COMBUSTIBLE_NO_AUTORIZADO']);
    expect(r.completada?.estado).toBe('completada');
  });

  it('an unknown id (or one of another pump) is noticed and completes nothing', () => {
    const none = revisarVenta(venta(), 'TX-1', { modo: 'prepago', autorizacion: null, ahora });
    expect(codes(none)).toEqual(['AUTORIZACION_DESCONOCIDA']);
    expect(none.completada).toBeNull();
    const other = revisarVenta(venta(), 'TX-1', { modo: 'prepago', autorizacion: auth({ id_surtidor: 2 }), ahora });
    expect(codes(other)).toEqual(['AUTORIZACION_DESCONOCIDA']);
  });

  it('an authorization used by another sale is a reuse; the same sale again is not', () => {
    const used = auth({ estado: 'completada', id_transaccion: 'TX-1', reembolso: 0 });
    const again = revisarVenta(venta(), 'TX-1', { modo: 'prepago', autorizacion: used, ahora });
    expect(again).toEqual({ hallazgos: [], reembolso: 0, completada: null });
    const reuse = revisarVenta(venta({ id_transaccion: 'TX-2' }), 'TX-2', {
      modo: 'prepago',
      autorizacion: used,
      ahora,
    });
    expect(codes(reuse)).toEqual(['AUTORIZACION_REUTILIZADA']);
    expect(reuse.completada).toBeNull();
  });

  it('a sale under a cancelled or expired one is noticed and completes it', () => {
    const r = revisarVenta(venta({ monto_total: 9_000 }), 'TX-1', {
      modo: 'prepago',
      autorizacion: auth({ estado: 'expirada' }),
      ahora,
    });
    expect(codes(r)).toEqual(['AUTORIZACION_NO_VIGENTE']);
    expect(r.completada).toMatchObject({ estado: 'completada', reembolso: 1_000 });
  });

  it('a sale without id from a prepago pump is noticed; from a postpago pump nothing is', () => {
    const sinId = venta({ id_autorizacion: undefined });
    expect(codes(revisarVenta(sinId, 'TX-1', { modo: 'prepago', autorizacion: null, ahora }))).toEqual([
      'VENTA_SIN_AUTORIZACION',
    ]);
    expect(revisarVenta(sinId, 'TX-1', { modo: 'postpago', autorizacion: null, ahora })).toEqual({
      hallazgos: [],
      reembolso: null,
      completada: null,
    });
  });
});
