/** "Últimas acciones": audit entries as the operator reads them, in plain Spanish. */
import { el, fmtFechaHora, fmtHora } from './format.js';
import { describirLimite } from './tarjetas.js';
import type { Accion, LimiteAutorizacion } from './types.js';

const COMANDO: Record<string, string> = {
  pausar: 'Pausar',
  reanudar: 'Reanudar',
  detener_emergencia: 'Detener (emergencia)',
};

const RESULTADO: Record<Accion['resultado'], string> = { ok: 'hecho', denegado: 'denegado', error: 'error' };

const texto = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** What was done, e.g. "Pausar: limpieza de la isla" or "Registro rechazado (AUTENTICACION_FALLIDA)". */
export function describirAccion(a: Accion): string {
  const d = a.detalles ?? {};
  switch (a.accion) {
    case 'surtidor.comando': {
      const comando = COMANDO[String(d.comando)] ?? String(d.comando);
      const razon = texto(d.razon);
      const respuesta = a.resultado === 'error' ? (texto(d.codigo) ?? texto(d.resultado)) : null;
      return `${comando}${razon ? `: ${razon}` : ''}${respuesta ? ` (${respuesta})` : ''}`;
    }
    case 'surtidor.comando_playa': {
      const comando = COMANDO[String(d.comando)] ?? String(d.comando);
      const razon = texto(d.razon);
      if (a.resultado === 'denegado') return `${comando} toda la playa (${texto(d.codigo) ?? 'rechazado'})`;
      const n = (k: string) => {
        const v = d[k];
        return typeof v === 'number' ? v : 0;
      };
      const cuentas = `${n('ejecutado')} ejecutaron, ${n('sin_respuesta')} sin respuesta, ${n('no_conectado')} no conectados`;
      return `${comando} toda la playa${razon ? `: ${razon}` : ''} (${cuentas})`;
    }
    case 'surtidor.crear':
      return `Crear surtidor${texto(d.nombre) ? ` «${String(d.nombre)}»` : ''}`;
    case 'surtidor.modificar': {
      const cambios = (d.cambios ?? {}) as Record<string, unknown>;
      const modo = cambios.modo_autorizacion;
      if (modo === 'prepago' || modo === 'postpago')
        return `Modo ${modo}${a.resultado === 'error' && texto(d.codigo) ? ` (${String(d.codigo)})` : ''}`;
      return 'Modificar surtidor';
    }
    case 'autorizacion.emitir': {
      const limite = d.limite as LimiteAutorizacion | undefined;
      return `Autorizar${limite?.tipo ? `: ${describirLimite(limite)}` : ''}`;
    }
    case 'autorizacion.cancelar':
      return 'Cancelar autorización';
    case 'surtidor.eliminar':
      return d.forzado === true ? 'Eliminar surtidor conectado' : 'Eliminar surtidor';
    case 'surtidor.registro':
      return `Registro rechazado${texto(d.codigo) ? ` (${String(d.codigo)})` : ''}`;
    case 'empresa.autenticacion':
      return `Autenticación de la empresa rechazada${texto(d.motivo) ? `: ${String(d.motivo)}` : ''}`;
    case 'precios.cambiar':
      return `Precios nuevos${typeof d.version === 'number' ? ` (versión ${d.version})` : ''}`;
    case 'precios.programar':
      return `Precios programados${typeof d.version === 'number' ? ` (versión ${d.version})` : ''}${
        texto(d.vigencia) ? ` para el ${fmtFechaHora(String(d.vigencia))}` : ''
      }`;
    case 'precios.cancelar':
      return `Programada cancelada${typeof d.version === 'number' ? ` (versión ${d.version})` : ''}${
        d.resultado === 'ya_aplicada' ? ': ya estaba en vigencia' : ''
      }`;
    default:
      return a.accion;
  }
}

/** "surtidor:3" → "Surtidor 3"; "precios" → "Precios". */
export function describirObjetivo(objetivo: string | null): string {
  if (objetivo === null) return '—';
  const surtidor = /^surtidor:(\d+)$/.exec(objetivo);
  if (surtidor) return `Surtidor ${surtidor[1]}`;
  if (objetivo === 'precios') return 'Precios';
  if (objetivo === 'playa') return 'Toda la playa';
  if (objetivo.startsWith('estacion:')) return 'Estación';
  return objetivo;
}

/** "surtidor:3" → "surtidor 3"; a person's name as is. */
export const describirUsuario = (usuario: string) => usuario.replace(/^surtidor:(\d+)$/, 'surtidor $1');

/**
 * One action, in two lines to fit the side column:
 *   14:05:10  ana                      [hecho]
 *   Surtidor 3 · Pausar: limpieza de la isla
 */
export function itemAccion(a: Accion, nueva: boolean): HTMLLIElement {
  return el(
    'li',
    { 'data-accion': String(a.seq), class: `${a.resultado}${nueva ? ' nueva' : ''}` },
    el(
      'div',
      { class: 'accion-cabeza' },
      el('time', { datetime: a.fecha, title: new Date(a.fecha).toLocaleString('es-CL') }, fmtHora(a.fecha)),
      el('strong', { class: 'usuario' }, describirUsuario(a.usuario)),
      el('span', { class: `resultado ${a.resultado}` }, RESULTADO[a.resultado]),
    ),
    el(
      'div',
      { class: 'accion-que' },
      el('span', { class: 'objetivo' }, describirObjetivo(a.objetivo)),
      ' · ',
      el('span', { class: 'accion' }, describirAccion(a)),
    ),
  );
}
