/**
 * Day and shift closes: a supervisor closes a day (`fecha`, in the station's time zone) or a range,
 * optionally naming a shift; the totals are frozen and stored once, audited; anyone with a session
 * lists them (JSON or CSV) and reads one (JSON, or a printable page).
 */
import { aceptaPrimero, pideCsv, requestActor, sendPage } from '@combustible/server';
import { systemClock } from '@combustible/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cerrar } from '../../app/cierres.js';
import { rangoDelDia, ZONA_HORARIA_POR_DEFECTO } from '../../domain/cierres.js';
import type { Cierre } from '../../domain/types.js';
import { StationError } from '../../errors.js';
import { toUtcIso } from '../../store/query.js';
import { enviarPaginaCierre } from '../cierre-html.js';
import type { RouteDeps } from '../deps.js';
import { COLUMNAS_CIERRE } from '../exportar.js';
import {
  cierre,
  errorRespuesta,
  formato,
  idCierreParams,
  MAX_DIAS_CIERRE,
  paginaSimple,
  pedidoCierre,
} from '../schemas.js';

const tags = ['cierres'];
const DIA_MS = 86_400_000;

/** The inclusive UTC bounds a request asks for, checked for plausibility. */
function rangoPedido(
  p: z.infer<typeof pedidoCierre>,
  zona: string,
  ahoraMs: number,
): { desde: string; hasta: string; fecha: string | null } {
  let r: { desde: string; hasta: string; fecha: string | null };
  if (p.fecha !== undefined) {
    if (p.desde !== undefined || p.hasta !== undefined)
      throw new StationError('RANGO_INVALIDO', 'indique fecha, o bien desde y hasta, no ambos');
    r = { ...rangoDelDia(p.fecha, zona), fecha: p.fecha };
  } else {
    if (p.desde === undefined || p.hasta === undefined)
      throw new StationError('RANGO_INVALIDO', 'indique fecha, o bien desde y hasta');
    r = { desde: toUtcIso(p.desde), hasta: toUtcIso(p.hasta), fecha: null };
  }
  const desde = Date.parse(r.desde);
  const hasta = Date.parse(r.hasta);
  if (hasta < desde) throw new StationError('RANGO_INVALIDO', 'hasta es anterior a desde');
  if (hasta - desde > MAX_DIAS_CIERRE * DIA_MS)
    throw new StationError('RANGO_INVALIDO', `un cierre cubre a lo más ${MAX_DIAS_CIERRE} días`);
  // A range that has not begun would freeze nothing and then refuse the real close.
  if (desde > ahoraMs) throw new StationError('RANGO_INVALIDO', 'el rango aún no comienza');
  return r;
}

const describirCierre = (c: Cierre) =>
  `el cierre ${c.id_cierre} (${c.desde} a ${c.hasta}${c.turno ? `, turno ${c.turno}` : ''})`;

export const cierresRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { store, auth, exportar, estacion } = deps;
  const clock = deps.clock ?? systemClock;
  const zona = deps.zonaHoraria ?? ZONA_HORARIA_POR_DEFECTO;

  app.post(
    '/api/cierres',
    {
      schema: {
        tags,
        summary:
          'Cierra un día (fecha, en la zona horaria de la estación) o un rango (desde, hasta), opcionalmente de un turno: congela los totales',
        body: pedidoCierre,
        response: { 201: cierre, 400: errorRespuesta, 409: errorRespuesta },
      },
    },
    async (req, reply) => {
      const actor = requestActor(req);
      const turno = req.body.turno ?? null;
      const rango = rangoPedido(req.body, zona, clock.now());
      const pedido = { ...rango, turno, zona_horaria: zona, usuario: actor.usuario };
      const r = await cerrar(store, clock, pedido, deps.service.journal);
      const detalles = { desde: rango.desde, hasta: rango.hasta, fecha: rango.fecha, turno };
      if ('superpuesto' in r) {
        await auth.audit.append({
          ...actor,
          accion: 'cierre.crear',
          objetivo: `cierre:${r.superpuesto.id_cierre}`,
          resultado: 'error',
          detalles: { ...detalles, codigo: 'CIERRE_SUPERPUESTO' },
        });
        throw new StationError(
          'CIERRE_SUPERPUESTO',
          `${describirCierre(r.superpuesto)} ya cubre parte del rango; solo cierres de turnos distintos pueden superponerse`,
        );
      }
      const c = r.cierre;
      await auth.audit.append({
        ...actor,
        accion: 'cierre.crear',
        objetivo: `cierre:${c.id_cierre}`,
        resultado: 'ok',
        detalles: { ...detalles, transacciones: c.total.transacciones, monto: c.total.monto },
      });
      req.log.info({ id_cierre: c.id_cierre, ...detalles, total: c.total, usuario: actor.usuario }, 'cierre hecho');
      reply.code(201);
      return c;
    },
  );

  app.get(
    '/api/cierres',
    {
      schema: {
        tags,
        summary:
          'Cierres, el rango más reciente primero (total en x-total-count); en CSV (una fila por cierre, sus totales) con ?formato=csv o Accept: text/csv',
        querystring: paginaSimple.extend({ formato }),
        response: { 200: z.array(cierre), 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      if (pideCsv(req)) return exportar(reply, 'cierres', COLUMNAS_CIERRE, () => store.iterateCierres());
      return sendPage(reply, await store.listCierres(req.query));
    },
  );

  const buscar = async (id: string): Promise<Cierre> => {
    const c = await store.getCierre(id);
    if (!c) throw new StationError('CIERRE_NO_ENCONTRADO', `no existe el cierre ${id}`);
    return c;
  };

  app.get(
    '/api/cierres/:id_cierre',
    {
      schema: {
        tags,
        summary: 'Un cierre; con Accept: text/html, su página para imprimir y firmar',
        params: idCierreParams,
        response: { 200: cierre, 400: errorRespuesta, 404: errorRespuesta },
      },
    },
    async (req, reply) => {
      const c = await buscar(req.params.id_cierre);
      if (aceptaPrimero(req, ['text/html', 'application/json']) === 'text/html')
        return enviarPaginaCierre(reply, c, estacion);
      return c;
    },
  );

  app.get(
    '/cierres/:id_cierre/imprimir',
    {
      schema: {
        tags,
        summary: 'La página de un cierre para imprimir y firmar (HTML)',
        params: idCierreParams,
        response: { 400: errorRespuesta, 404: errorRespuesta },
      },
    },
    async (req, reply) => {
      const c = await buscar(req.params.id_cierre);
      return enviarPaginaCierre(reply, c, estacion);
    },
  );
};
