/**
 * A real `surtidor` process against fake stations (or a real `estacion` process), for a test file:
 * the stations and processes it starts are closed after each test (the processes SIGKILLed, as a
 * power cut would) and the temp dirs removed after the file.
 */
import { afterAll, afterEach } from 'vitest';
import { FakeStation } from './fake-station.js';
import {
  removeTempDirs,
  type ServiceProcess,
  type StationProcess,
  startProcess,
  startStationProcess,
} from './processes.js';

export function surtidorFixture(): {
  /** A fake station listening on a free port. */
  station(): Promise<FakeStation>;
  /** `surtidor` with these arguments. */
  surtidor(args: string[]): ServiceProcess;
  /** A real `estacion` process (startStationProcess's options). */
  estacion(opts?: Parameters<typeof startStationProcess>[0]): Promise<StationProcess>;
} {
  const stations: FakeStation[] = [];
  const procs: ServiceProcess[] = [];
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
    await Promise.all(stations.splice(0).map((s) => s.close()));
  });
  afterAll(removeTempDirs);
  return {
    async station() {
      const s = await FakeStation.start();
      stations.push(s);
      return s;
    },
    surtidor(args) {
      const p = startProcess('surtidor', args);
      procs.push(p);
      return p;
    },
    async estacion(opts) {
      const p = await startStationProcess(opts);
      procs.push(p);
      return p;
    },
  };
}
