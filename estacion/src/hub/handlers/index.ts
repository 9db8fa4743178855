/** Dispatch: one small handler per message type. */
import type { PumpToStation } from '@combustible/shared';
import type { PumpSession } from '../pump-session.js';
import { comandoEjecutado } from './comando-ejecutado.js';
import { errorSurtidor } from './error.js';
import { estado } from './estado.js';
import { heartbeat } from './heartbeat.js';
import { preciosAplicados } from './precios-aplicados.js';
import { registro } from './registro.js';
import { lecturaTanque, registroMedidor } from './registro-medidor.js';
import { transaccionCompletada } from './transaccion-completada.js';

type Handlers = {
  [K in PumpToStation['tipo']]: (session: PumpSession, msg: Extract<PumpToStation, { tipo: K }>) => void;
};

const handlers: Handlers = {
  registro,
  estado,
  transaccion_completada: transaccionCompletada,
  error: errorSurtidor,
  heartbeat,
  precios_aplicados: preciosAplicados,
  comando_ejecutado: comandoEjecutado,
  registro_medidor: registroMedidor,
  lectura_tanque: lecturaTanque,
};

export function dispatch(session: PumpSession, msg: PumpToStation): void {
  (handlers[msg.tipo] as (s: PumpSession, m: PumpToStation) => void)(session, msg);
}
