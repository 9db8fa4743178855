import { describe, expect, it } from 'vitest';
import { type AuditAction, auditSale, emptyAuditState, MAX_ALERTAS_POR_SALTO, secuenciaDeClave } from './audit.js';
import type { Transaccion } from './types.js';

function venta(secuencia: number | null, inicio: number | null, fin: number | null, id = `t${secuencia}`): Transaccion {
  return {
    id_transaccion: id,
    id_derivado: false,
    id_surtidor: 3,
    nombre_surtidor: 'S3',
    tipo_combustible: '95',
    litros: 10,
    precio_por_litro: 1350,
    monto_total: 13500,
    metodo_pago: 'efectivo',
    fecha_inicio: '2026-01-15T14:25:00Z',
    fecha_fin: '2026-01-15T14:27:00Z',
    estado: 'completada',
    operador: null,
    secuencia,
    version_precios: null,
    totalizador_inicio: inicio,
    totalizador_fin: fin,
    observaciones: [],
    detalles: { duracion_segundos: 120, velocidad_promedio: 0.083 },
    recibida: '2026-01-15T14:27:01Z',
    id_autorizacion: null,
    reembolso: null,
  };
}

const raised = (actions: AuditAction[]) => actions.filter((a) => a.kind === 'raise').map((a) => a.clave);
const resolved = (actions: AuditAction[]) => actions.filter((a) => a.kind === 'resolve').map((a) => a.clave);

describe('auditSale', () => {
  it('accepts a continuous stream silently', () => {
    const state = emptyAuditState();
    expect(auditSale(state, venta(1, 0, 10))).toEqual([]);
    expect(auditSale(state, venta(2, 10, 25))).toEqual([]);
    expect(state.ultimaSecuencia).toBe(2);
    expect(state.ultimoTotalizadorFin).toBe(25);
  });

  it('raises one alert per missing sale and clears each when it arrives', () => {
    const state = emptyAuditState();
    auditSale(state, venta(1, 0, 10));
    const gap = auditSale(state, venta(4, 40, 50));
    expect(raised(gap)).toEqual(['SECUENCIA_FALTANTE:3:2', 'SECUENCIA_FALTANTE:3:3']);
    expect(resolved(auditSale(state, venta(3, 30, 40)))).toEqual(['SECUENCIA_FALTANTE:3:3']);
    expect(resolved(auditSale(state, venta(2, 10, 30)))).toEqual(['SECUENCIA_FALTANTE:3:2']);
    expect(state.faltantes?.size).toBe(0);
    expect(state.ultimaSecuencia).toBe(4);
  });

  it('does not check the meter across a gap, nor for a late sale', () => {
    const state = emptyAuditState();
    auditSale(state, venta(1, 0, 10));
    expect(raised(auditSale(state, venta(3, 99, 100)))).toEqual(['SECUENCIA_FALTANTE:3:2']);
    // Late sale 2 with a meter that does not match 10 is not compared against sale 3.
    expect(raised(auditSale(state, venta(2, 10, 99)))).toEqual([]);
    expect(state.ultimoTotalizadorFin).toBe(100);
  });

  it('raises TOTALIZADOR_DISCONTINUO when a sale does not start where the previous ended', () => {
    const state = emptyAuditState();
    auditSale(state, venta(1, 0, 10));
    const actions = auditSale(state, venta(2, 12.5, 20));
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ kind: 'raise', codigo: 'TOTALIZADOR_DISCONTINUO' });
  });

  it('tolerates rounding below a millilitre on the meter', () => {
    const state = emptyAuditState();
    auditSale(state, venta(1, 0, 10.0004));
    expect(auditSale(state, venta(2, 10, 20))).toEqual([]);
  });

  it('checks the meter in arrival order for pumps that send no secuencia', () => {
    const state = emptyAuditState();
    auditSale(state, venta(null, 0, 10, 'a'));
    expect(raised(auditSale(state, venta(null, 11, 20, 'b')))).toEqual(['TOTALIZADOR_DISCONTINUO:3:b']);
  });

  it('reports a huge gap as a single alert', () => {
    const state = emptyAuditState();
    auditSale(state, venta(1, null, null));
    const actions = auditSale(state, venta(MAX_ALERTAS_POR_SALTO + 10, null, null));
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ kind: 'raise', codigo: 'SECUENCIA_SALTO' });
  });

  it('resumes from a stored starting point', () => {
    const state = { ultimaSecuencia: 7, ultimoTotalizadorFin: 70, faltantes: new Set([5]) };
    expect(resolved(auditSale(state, venta(5, 50, 60)))).toEqual(['SECUENCIA_FALTANTE:3:5']);
    expect(auditSale(state, venta(8, 70, 80))).toEqual([]);
  });

  it('reads a missing number back from its clave', () => {
    expect(secuenciaDeClave(3, 'SECUENCIA_FALTANTE:3:17')).toBe(17);
    expect(secuenciaDeClave(3, 'SECUENCIA_FALTANTE:33:17')).toBeNull();
    expect(secuenciaDeClave(3, 'RELOJ_DESFASADO:3')).toBeNull();
  });
});
