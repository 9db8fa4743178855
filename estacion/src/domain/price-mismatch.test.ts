import { describe, expect, it } from 'vitest';
import { PriceMismatchWatch } from './price-mismatch.js';
import type { EstadoSurtidor } from './types.js';

type Pump = Pick<EstadoSurtidor, 'id_surtidor' | 'estado_conexion' | 'estado_operacion' | 'version_precios'>;
const pump = (version: number | null, estado_operacion: Pump['estado_operacion'] = 'disponible'): Pump => ({
  id_surtidor: 1,
  estado_conexion: 'conectado',
  estado_operacion,
  version_precios: version,
});
const GRACE = 30_000;

describe('PriceMismatchWatch', () => {
  it('raises once a disponible pump keeps another version for the grace period, and clears when it catches up', () => {
    const w = new PriceMismatchWatch();
    w.confirmed(1);
    expect(w.check(pump(4), 5, 0, GRACE)).toBeNull();
    expect(w.check(pump(4), 5, GRACE - 1, GRACE)).toBeNull();
    expect(w.check(pump(4), 5, GRACE, GRACE)).toEqual({ kind: 'desalineado', version_surtidor: 4, vigente: 5 });
    expect(w.check(pump(4), 5, GRACE + 5000, GRACE)).toBeNull(); // raised once
    expect(w.check(pump(5), 5, GRACE + 6000, GRACE)).toEqual({ kind: 'cerrar' });
    expect(w.check(pump(5), 5, GRACE + 7000, GRACE)).toBeNull();
  });

  it('lets a dispensing or paused pump lag: its clock starts again when it is disponible', () => {
    const w = new PriceMismatchWatch();
    w.confirmed(1);
    expect(w.check(pump(4), 5, 0, GRACE)).toBeNull();
    expect(w.check(pump(4, 'despachando'), 5, 20_000, GRACE)).toBeNull();
    expect(w.check(pump(4, 'despachando'), 5, 100_000, GRACE)).toBeNull();
    expect(w.check(pump(4), 5, 100_000, GRACE)).toBeNull();
    expect(w.check(pump(4, 'pausado'), 5, 110_000, GRACE)).toBeNull();
    expect(w.check(pump(4), 5, 120_000, GRACE)).toBeNull();
    expect(w.check(pump(4), 5, 150_000, GRACE)).toMatchObject({ kind: 'desalineado' });
  });

  it('raises at once for a version the station never had (above the one in force)', () => {
    const w = new PriceMismatchWatch();
    w.confirmed(1);
    expect(w.check(pump(9, 'despachando'), 5, 0, GRACE)).toEqual({
      kind: 'desconocida',
      version_surtidor: 9,
      vigente: 5,
    });
  });

  it('judges only pumps that confirm prices and are connected; an alert open from before still clears', () => {
    const w = new PriceMismatchWatch();
    expect(w.check(pump(4), 5, 0, GRACE)).toBeNull();
    expect(w.check(pump(4), 5, 10 * GRACE, GRACE)).toBeNull(); // a seed pump that never confirms
    w.confirmed(1);
    expect(w.check({ ...pump(4), estado_conexion: 'desconectado' }, 5, 20 * GRACE, GRACE)).toBeNull();
    w.forget(1);
    w.markOpen(1);
    expect(w.check(pump(5), 5, 30 * GRACE, GRACE)).toEqual({ kind: 'cerrar' });
  });
});
