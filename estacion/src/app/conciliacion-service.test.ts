/** (ext, issue 14) The station's reconciliation service: gathering a tank's data from the store, and the periodic leak detector. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialState } from '../domain/live-state.js';
import type { Alerta, EstadoSurtidor } from '../domain/types.js';
import { createHarness, type Harness, semanaDeTanques } from '../hub/test-harness.js';
import { historiaTanque, unaDescarga, unaLectura, unaTransaccion } from '../store/test-builders.js';
import { type ConciliacionOptions, ConciliacionService } from './conciliacion-service.js';
import { TANQUES_DEMO } from './tank-service.js';

const H = 3_600_000;
const D = 24 * H;

let h: Harness;
let svc: ConciliacionService | undefined;
const raised: string[] = [];
const resolved: string[] = [];

beforeEach(async () => {
  h = await createHarness();
  raised.length = 0;
  resolved.length = 0;
  // Tank 1 holds 93 and tank 2 holds 95 (the demo tanks).
  for (const t of TANQUES_DEMO.slice(0, 2)) await h.tanks.create(t);
});
afterEach(async () => {
  await svc?.close();
  svc = undefined;
  await h.close();
});

/** The service, its alerts going to the real station service and recorded. */
function service(deteccionFugasMin: number, extra: Partial<ConciliacionOptions> = {}): ConciliacionService {
  svc = new ConciliacionService(
    h.store,
    h.tanks,
    {
      raiseAlert: (a) => {
        raised.push(a.clave);
        h.service.raiseAlert(a);
      },
      resolveAlert: (clave) => {
        resolved.push(clave);
        h.service.resolveAlert(clave);
      },
    },
    h.clock,
    h.log,
    { deteccionFugasMin, ...extra },
  );
  return svc;
}

/** Seven days of hourly readings and sales up to the clock's now: tank 1 leaks 3 L/h, tank 2 is tight. */
const seed = () => semanaDeTanques(h, false);

describe('ConciliacionService.entradas', () => {
  it("gathers each tank's readings, the sales of its fuel and the deliveries in the range", async () => {
    await seed();
    const now = h.clock.now();
    await h.store.saveDelivery(
      unaDescarga({
        id_tanque: 1,
        inicio: new Date(now - 2 * D).toISOString(),
        fin: new Date(now - 2 * D + H / 2).toISOString(),
      }),
    );
    // Long before the range: left out.
    await h.store.saveDelivery(unaDescarga({ id_tanque: 1, inicio: new Date(now - 20 * D).toISOString() }));
    // A sale of a fuel no tank holds draws from no tank.
    await h.store.insertTransactions([
      unaTransaccion({ tipo_combustible: 'diesel', fecha_fin: new Date(now - H).toISOString() }),
    ]);
    const [uno, dos] = await service(0).entradas([1, 2], now - 3 * D, now);
    expect(uno?.lecturas).toHaveLength(3 * 24 + 1);
    expect(uno?.ventas).toHaveLength(3 * 15);
    expect(uno?.ventas.every((v) => v.litros === 150)).toBe(true);
    expect(uno?.descargas).toEqual([{ inicio: now - 2 * D, fin: now - 2 * D + H / 2, litros: 10_250.5 }]);
    expect(uno?.truncado).toBe(false);
    expect(dos?.ventas).toHaveLength(3 * 15);
    expect(dos?.descargas).toEqual([]);
  });

  it('reads the store through its iterators within bounds: past one, the newest rows and truncado', async () => {
    await seed();
    const now = h.clock.now();
    const [uno] = await service(0, { maxFilas: { lecturas: 10, ventas: 5 } }).entradas([1], now - 3 * D, now);
    expect(uno?.truncado).toBe(true);
    expect(uno?.lecturas.map((l) => l.timestamp)).toEqual(Array.from({ length: 10 }, (_, i) => now - i * H));
    // Five sales of both fuels, newest first: those of tank 1's fuel among them.
    expect(uno?.ventas.length).toBeLessThanOrEqual(5);
    expect(uno?.ventas.every((v) => v.fecha_fin >= now - D)).toBe(true);
    // Exactly at the bound is not cut short.
    const [justo] = await service(0, { maxFilas: { lecturas: 3 * 24 + 1 } }).entradas([1], now - 3 * D, now);
    expect(justo?.truncado).toBe(false);
    expect(justo?.lecturas).toHaveLength(3 * 24 + 1);
  });

  it('reconciles by day: the leaking tank loses about 72 L a day, the tight one about none', async () => {
    await seed();
    // The clock stands at 2026-01-15T14:00Z: four whole UTC days within the week of data.
    const desde = Date.parse('2026-01-10T00:00:00Z');
    const [uno, dos] = await service(0).conciliar({ desde, hasta: desde + 4 * D });
    expect(uno?.periodos).toHaveLength(4);
    for (const p of uno?.periodos ?? []) {
      expect(p.bruto?.ventas).toBe(15 * 150);
      expect(p.bruto?.varianza).toBeCloseTo(-72, -1);
    }
    expect(uno?.periodos.at(-1)?.bruto?.varianza_acumulada).toBeCloseTo(-288, -1);
    expect(dos?.periodos).toHaveLength(4);
    for (const p of dos?.periodos ?? []) expect(Math.abs(p.bruto?.varianza ?? Infinity)).toBeLessThan(5);
  });
});

describe('the periodic leak detector', () => {
  it('raises FUGA_SOSPECHADA for the leaking tank only, through the station service, and runs again', async () => {
    await seed();
    const stored = new Promise<Alerta>((resolve) =>
      h.bus.on('alerta', (a) => {
        if (a.codigo === 'FUGA_SOSPECHADA') resolve(a);
      }),
    );
    service(60).start();
    h.clock.advance(60 * 60_000);
    await svc?.idle();
    expect(raised).toContain('FUGA_SOSPECHADA:1');
    expect(raised).not.toContain('FUGA_SOSPECHADA:2');
    expect(resolved).toEqual(expect.arrayContaining(['FUGA_SOSPECHADA:2', 'DIFERENCIA_INVENTARIO:2']));
    const alerta = await stored;
    expect(alerta).toMatchObject({ clave: 'FUGA_SOSPECHADA:1', severidad: 'critica', id_surtidor: null });
    expect(alerta.datos).toMatchObject({ id_tanque: 1, metodo: 'regresion_varianza_acumulada' });
    const tasa = (alerta.datos as { tasa_fuga_l_h: number }).tasa_fuga_l_h;
    expect(tasa).toBeGreaterThan(2);
    expect(tasa).toBeLessThan(4);

    const before = raised.length + resolved.length;
    h.clock.advance(60 * 60_000);
    await svc?.idle();
    expect(raised.length + resolved.length).toBeGreaterThan(before);
  });

  it('judges nothing before a day of readings, and does not run at all with --deteccion-fugas-min 0', async () => {
    const { lecturas } = historiaTanque({ id_tanque: 1, combustible: '93', fin: h.clock.now(), dias: 0.5, fugaLh: 50 });
    await h.store.insertReadings(lecturas);
    expect(await service(0).detectar()).toEqual({ tanques: 2, alertas: [], resueltas: [] });
    await svc?.close();

    await seed();
    service(0).start();
    h.clock.advance(10 * H);
    await svc?.idle();
    expect([...raised, ...resolved]).toEqual([]);
  });
});

describe('the litres being dispensed (TankService.litrosEnCurso)', () => {
  it("sums the live litros_actuales of the pumps dispensing each tank's fuel, nothing else", () => {
    const estado = (
      id: number,
      estado_operacion: EstadoSurtidor['estado_operacion'],
      tipo: string,
      litros: number,
    ) => ({
      ...initialState(id),
      estado_conexion: 'conectado' as const,
      estado_operacion,
      tipo_combustible: tipo as EstadoSurtidor['tipo_combustible'],
      litros_actuales: litros,
    });
    const estados = [
      estado(1, 'despachando', '93', 12.5),
      estado(2, 'despachando', '93', 20),
      estado(3, 'despachando', '95', 7),
      estado(4, 'disponible', '93', 30),
      estado(5, 'despachando', 'diesel', 40),
    ];
    expect(h.tanks.litrosEnCurso(1, estados)).toBe(32.5);
    expect(h.tanks.litrosEnCurso(2, estados)).toBe(7);
    expect(h.tanks.litrosEnCurso(3, estados)).toBe(0);
  });
});

describe('the sudden-loss rule', () => {
  /** A reading a minute over the last 70 min: tank 1 loses 20 L a minute, tank 2 drops 300 L in its last 5 min. */
  async function ultimaHora(): Promise<void> {
    const now = h.clock.now();
    for (let m = 70; m >= 0; m--) {
      const iso = new Date(now - m * 60_000).toISOString();
      const uno = 20_000 - 20 * (70 - m);
      const dos = 15_000 - (m < 5 ? 60 * (5 - m) : 0);
      await h.store.insertReadings([
        unaLectura({ id_tanque: 1, timestamp: iso, recibida: iso, litros: uno, litros_15c: uno }),
        unaLectura({ id_tanque: 2, timestamp: iso, recibida: iso, litros: dos, litros_15c: dos }),
      ]);
    }
  }

  it('runs every --perdida-subita-s: FUGA_SOSPECHADA (perdida_subita) for the tank that loses 1200 L an hour; the litres being dispensed explain the other', async () => {
    await ultimaHora();
    const stored = new Promise<Alerta>((resolve) =>
      h.bus.on('alerta', (a) => {
        if (a.codigo === 'FUGA_SOSPECHADA') resolve(a);
      }),
    );
    service(0, { perdidaSubitaS: 30, litrosEnCurso: (id) => (id === 2 ? 300 : 0) }).start();
    h.clock.advance(30_000);
    await svc?.idle();
    expect(raised).toEqual(['FUGA_SOSPECHADA:1:perdida_subita']);
    expect(resolved).toEqual(['FUGA_SOSPECHADA:2:perdida_subita']);
    const alerta = await stored;
    expect(alerta).toMatchObject({ clave: 'FUGA_SOSPECHADA:1:perdida_subita', severidad: 'critica' });
    expect(alerta.datos).toMatchObject({ id_tanque: 1, metodo: 'perdida_subita', umbral_litros: 150, ventana_min: 60 });
    expect((alerta.datos as { litros_perdidos: number }).litros_perdidos).toBeGreaterThan(1000);
    // Without the live state, tank 2's last 300 L would be a loss too.
    await svc?.close();
    raised.length = 0;
    expect((await service(0, { perdidaSubitaS: 30 }).perdidaSubita()).alertas).toEqual([
      'FUGA_SOSPECHADA:1:perdida_subita',
      'FUGA_SOSPECHADA:2:perdida_subita',
    ]);
  });

  it('runs with each detector run too, and not at all with --perdida-subita-s 0', async () => {
    await ultimaHora();
    expect((await service(0, { perdidaSubitaS: 30 }).detectar()).alertas).toEqual([
      'FUGA_SOSPECHADA:1:perdida_subita',
      'FUGA_SOSPECHADA:2:perdida_subita',
    ]);
    await svc?.close();
    raised.length = 0;
    service(60, { perdidaSubitaS: 0 }).start();
    h.clock.advance(60 * 60_000);
    await svc?.idle();
    expect(raised).toEqual([]);
  });
});
