/**
 * The sudden-loss rule on the simulator's tank physics (probe noise, daily temperature swings,
 * deliveries mixing in at the truck's temperature, meter errors, Poisson customers): the bench's
 * month generator, with the rule run every 10 minutes of the month as the station would.
 */
import { type EntradaTanque, perdidaSubita } from '@combustible/estacion';
import { FakeClock } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import { ESCENARIOS, type Escenario, simularMes } from './mes.js';

const MIN = 60_000;
const PASO = 10 * MIN;

/** The generated month, and the rule's verdict every PASO from its second hour on. */
function veredictos(semilla: number, escenario: Escenario, fugaLh: number, dias: number) {
  let datos: { entrada: EntradaTanque; fin: number } | undefined;
  simularMes({
    semilla,
    fugaLh,
    dias,
    escenario,
    lecturaCadaMin: 2,
    alTerminar: (entrada, fin) => (datos = { entrada, fin }),
  });
  if (!datos) throw new Error('el mes no terminó');
  const { entrada, fin } = datos;
  const clock = new FakeClock();
  clock.advance((entrada.lecturas[0]?.timestamp ?? 0) - clock.now());
  const out: { ms: number; perdidos: number | null; alerta: boolean }[] = [];
  for (clock.advance(2 * 60 * MIN); clock.now() <= fin; clock.advance(PASO)) {
    // What the station reads for one run: the window and the settling time before it.
    const desde = clock.now() - 3 * 60 * MIN;
    const en = (t: number) => t >= desde && t <= clock.now();
    const recorte = {
      id_tanque: entrada.id_tanque,
      lecturas: entrada.lecturas.filter((l) => en(l.timestamp)),
      ventas: entrada.ventas.filter((v) => en(v.fecha_fin)),
      descargas: entrada.descargas.filter((d) => d.fin >= desde && d.inicio <= clock.now()),
    };
    const r = perdidaSubita(recorte, clock);
    out.push({ ms: clock.now(), perdidos: r.evidencia?.litros_perdidos ?? null, alerta: r.alerta !== null });
  }
  return out;
}

describe('perdidaSubita on the simulator’s tank', () => {
  it('never fires on leak-free weeks, in the nominal and the adverse scenario, with its default 150 L an hour', () => {
    for (const escenario of [ESCENARIOS.nominal!, ESCENARIOS.adverso!]) {
      for (const semilla of [1, 2, 3]) {
        const v = veredictos(semilla, escenario, 0, 7);
        const juzgadas = v.filter((x) => x.perdidos !== null);
        expect(juzgadas.length).toBeGreaterThan(0.8 * v.length); // deliveries leave most windows judged
        expect(v.filter((x) => x.alerta)).toEqual([]);
        // The margin (measured: worst hour ~21 L nominal, ~86 L adverse): well under the threshold.
        const peor = Math.max(...juzgadas.map((x) => Math.abs(x.perdidos ?? 0)));
        expect(peor).toBeLessThan(escenario.nombre === 'nominal' ? 40 : 0.75 * 150);
      }
    }
  });

  it('fires within the first window on a 300 L/h leak in the adverse scenario', () => {
    const v = veredictos(4, ESCENARIOS.adverso!, 300, 1);
    const primera = v.find((x) => x.alerta);
    expect(primera).toBeDefined();
    expect((primera?.ms ?? Infinity) - (v[0]?.ms ?? 0)).toBeLessThanOrEqual(PASO);
  });
});
