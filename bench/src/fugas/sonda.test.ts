/**
 * The simulator's gauge and the station agree on what a reading means (docs/protocol.md, Tank
 * gauges): the product height is the top of the liquid, water included; the litres are the product
 * alone. A simulated reading of a tank with water at the bottom is taken by the station as is.
 */
import { calibracionCilindro, revisarLectura, type TanqueEstacion } from '@combustible/estacion';
import { cilindroParaCapacidad, seededRandom, Tanque } from '@combustible/surtidor';
import { describe, expect, it } from 'vitest';

const tanqueEstacion: TanqueEstacion = {
  id_tanque: 1,
  nombre: 'Tanque 93',
  combustible: '93',
  capacidad_litros: 30_000,
  calibracion: calibracionCilindro(30_000, 2500),
  nivel_bajo_litros: 3000,
  agua_alta_mm: 500,
  creado: '2026-01-05T00:00:00.000Z',
  actualizado: '2026-01-05T00:00:00.000Z',
};

function lectura(aguaLitros: number) {
  const sim = new Tanque(
    {
      combustible: '93',
      tabla: cilindroParaCapacidad(30_000),
      litrosIniciales: 12_000,
      aguaLitrosIniciales: aguaLitros,
      ruido: { alturaMm: 0 },
    },
    { clock: { now: () => Date.parse('2026-01-05T12:00:00Z') }, random: seededRandom(1) },
  );
  return {
    tipo: 'lectura_tanque' as const,
    id_medidor: 1,
    id_tanque: 1,
    timestamp: '2026-01-05T12:00:00Z',
    ...sim.leer(),
  };
}

describe('a simulated gauge reading at the station', () => {
  it('has a product height that includes the water and litres of product alone, which the station takes without observations', () => {
    const seca = lectura(0);
    const conAgua = lectura(3000);
    expect(conAgua.altura_agua_mm).toBeGreaterThan(300);
    // The same product over 3000 L of water: the liquid's top is higher, the product's litres the same.
    expect(conAgua.altura_producto_mm).toBeGreaterThan(seca.altura_producto_mm + 100);
    expect(conAgua.litros).toBeCloseTo(seca.litros, -1);
    for (const l of [seca, conAgua])
      expect(revisarLectura(tanqueEstacion, new Set([1]), l)).toEqual({ ok: true, observaciones: [] });
  });
});
