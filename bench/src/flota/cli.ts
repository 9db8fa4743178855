/**
 * `npx estacion-fleet`: thousands of light stations on link 2 for load (fleet.ts), optionally
 * registered with a company, with a progress line every few seconds until Ctrl-C.
 */
import yargs from 'yargs';
import { within } from '../hub/command.js';
import { credencialEmpresa, Flota, MAX_POR_PROCESO, registrar } from './fleet.js';

/** Stations per process by default: 2 × 4000 sockets + listeners, well under 20,000 open files. */
const POR_PROCESO = 4000;

const OPTIONS = {
  estaciones: { type: 'number', default: 100, describe: 'Estaciones simuladas' },
  procesos: {
    type: 'number',
    describe: `Procesos entre los que se reparten (por defecto uno cada ${POR_PROCESO} estaciones; como mucho ${MAX_POR_PROCESO} cada uno)`,
  },
  host: { type: 'string', default: '127.0.0.1', describe: 'Dirección donde escucha cada estación' },
  'puerto-base': {
    type: 'number',
    default: 0,
    describe: 'La estación i escucha en puerto-base + i − 1 (0: un puerto libre cada una)',
  },
  prefijo: { type: 'string', default: 'flota', describe: 'Las estaciones se llaman PREFIJO-1, PREFIJO-2, …' },
  token: {
    type: 'string',
    array: true,
    describe: 'Token que la empresa debe enviar en "autenticacion" (repetible; ninguno: sin autenticación)',
  },
  'ventas-por-seg': {
    type: 'number',
    default: 0,
    describe: 'Ventas por segundo de cada estación, subidas como "reporte" cuando la empresa se suscribe',
  },
  empresa: { type: 'string', describe: 'URL de la API de la empresa donde registrar las estaciones' },
  usuario: { type: 'string', describe: 'Usuario de la empresa (rol admin) para registrarlas' },
  clave: { type: 'string', describe: 'Clave de --usuario' },
  'token-api': { type: 'string', describe: 'Token de API de la empresa (rol admin), en vez de usuario y clave' },
  concurrencia: { type: 'number', default: 16, describe: 'Registros en curso a la vez' },
  intervalo: { type: 'number', default: 5, describe: 'Segundos entre líneas de progreso' },
} as const;

export async function main(argv: string[]): Promise<number> {
  const a = await yargs(argv)
    .scriptName('estacion-fleet')
    .usage('$0 [opciones]: estaciones simuladas para carga; la empresa se conecta a ellas (enlace 2)')
    .options(OPTIONS)
    .example('$0 --estaciones 2000 --empresa http://127.0.0.1:8000 --usuario admin --clave …', 'y registrarlas')
    .check((x) => {
      within('estaciones', x.estaciones, 1, 100_000, { integer: true });
      if (x.procesos !== undefined) within('procesos', x.procesos, 1, 64, { integer: true });
      within('puerto-base', x['puerto-base'], 0, 65_535, { integer: true });
      if (x['puerto-base'] > 0 && x['puerto-base'] + x.estaciones - 1 > 65_535)
        throw new Error('--puerto-base + --estaciones pasa de 65535');
      within('ventas-por-seg', x['ventas-por-seg'], 0, 1000);
      within('concurrencia', x.concurrencia, 1, 1000, { integer: true });
      within('intervalo', x.intervalo, 0.1, 3600);
      return true;
    })
    .strict()
    .help()
    .version(false)
    .parseAsync();
  const procesos = a.procesos ?? Math.max(1, Math.ceil(a.estaciones / POR_PROCESO));
  const flota = await Flota.start({
    estaciones: a.estaciones,
    procesos,
    prefijo: a.prefijo,
    host: a.host,
    puertoBase: a['puerto-base'],
    tokens: a.token ?? [],
    ventasPorSeg: a['ventas-por-seg'],
  });
  const primera = flota.estaciones[0];
  const ultima = flota.estaciones.at(-1);
  console.log(
    `${flota.estaciones.length} estaciones escuchando en ${a.host} (${flota.reparto.length} procesos: ${flota.reparto.join(', ')}); ` +
      `${primera?.id} en el puerto ${primera?.puerto} … ${ultima?.id} en el ${ultima?.puerto}`,
  );
  if (a.empresa) {
    const auth = await credencialEmpresa(a.empresa, { token: a['token-api'], usuario: a.usuario, clave: a.clave });
    let shown = 0;
    const r = await registrar(a.empresa, auth, flota.estaciones, {
      concurrencia: a.concurrencia,
      progreso: (hechas) => {
        if (hechas - shown >= 1000 || hechas === flota.estaciones.length) {
          shown = hechas;
          console.log(`registradas ${hechas} de ${flota.estaciones.length}`);
        }
      },
    });
    console.log(
      `registro en ${a.empresa}: ${r.registradas} nuevas, ${r.existentes} ya registradas, ${(r.ms / 1000).toFixed(1)} s`,
    );
  }
  let antes = { at: Date.now(), confirmadas: 0 };
  const timer = setInterval(() => {
    void flota.estado().then(
      (e) => {
        const at = Date.now();
        const rate = ((e.confirmadas - antes.confirmadas) * 1000) / Math.max(1, at - antes.at);
        antes = { at, confirmadas: e.confirmadas };
        const versiones = Object.entries(e.versiones)
          .map(([v, n]) => `v${v}: ${n}`)
          .join(', ');
        console.log(
          `conexiones ${e.conexiones} (autenticadas ${e.autenticadas}, suscritas ${e.suscritas}); versiones ${versiones}; ` +
            `ventas ${e.ventas}, confirmadas ${e.confirmadas} (${rate.toFixed(0)}/s); ` +
            `rechazos ${e.contadores.rechazos}, errores recibidos ${e.contadores.erroresRecibidos}`,
        );
      },
      (err: unknown) => console.error(`estado: ${(err as Error).message}`),
    );
  }, a.intervalo * 1000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  await flota.close();
  return 0;
}
