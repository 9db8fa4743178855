/**
 * (ext, issue 14) Tanks: everyone with a session reads them (each with its last reading), their
 * readings and the deliveries detected; a supervisor configures them. Every change is audited,
 * refused ones too.
 */
import { pideCsv, requestActor, sendPage } from '@combustible/server';
import { timestampMs } from '@combustible/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { StationError } from '../../errors.js';
import type { RouteDeps } from '../deps.js';
import { COLUMNAS_CONCILIACION, COLUMNAS_DESCARGA, COLUMNAS_LECTURA } from '../exportar.js';
import {
  cambiosTanque,
  conciliacionTanque,
  descarga,
  errorRespuesta,
  filtroConciliacion,
  filtroDescargas,
  filtroLecturas,
  idTanqueParams,
  lecturaTanqueRespuesta,
  nuevoTanque,
  paginaSimple,
  tanque,
} from '../schemas.js';

const tags = ['tanques'];

function notFound(id: number): StationError {
  return new StationError('TANQUE_NO_ENCONTRADO', `no existe el tanque ${id}`);
}

export const tanquesRoutes: FastifyPluginAsyncZod<RouteDeps> = async (
  app,
  { tanks, store, auth, conciliacion, exportar },
) => {
  const { audit } = auth;

  /** Runs a change and audits it: `ok`, or `error` with the code it was refused with. */
  async function audited<T>(
    req: FastifyRequest,
    accion: string,
    id: number,
    detalles: Record<string, unknown>,
    change: () => Promise<T>,
  ): Promise<T> {
    const entry = { ...requestActor(req), accion, objetivo: `tanque:${id}` };
    let result: T;
    try {
      result = await change();
    } catch (err) {
      if (err instanceof StationError) {
        await audit.append({ ...entry, resultado: 'error', detalles: { ...detalles, codigo: err.code } });
      }
      throw err;
    }
    await audit.append({ ...entry, resultado: 'ok', detalles });
    return result;
  }

  app.get(
    '/api/tanques',
    {
      schema: {
        tags,
        summary: 'Los tanques por id, cada uno con su última lectura (una página; total en x-total-count)',
        querystring: paginaSimple,
        response: { 200: z.array(tanque), 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      const all = tanks.all();
      return sendPage(reply, {
        items: all.slice(req.query.skip, req.query.skip + req.query.limit),
        total: all.length,
      });
    },
  );

  app.get(
    '/api/tanques/:id',
    {
      schema: {
        tags,
        summary: 'Un tanque con su última lectura',
        params: idTanqueParams,
        response: { 200: tanque, 404: errorRespuesta },
      },
    },
    async (req) => tanks.get(req.params.id) ?? Promise.reject(notFound(req.params.id)),
  );

  app.post(
    '/api/tanques',
    {
      schema: {
        tags,
        summary: 'Crea un tanque (su id es el que usan sus medidores)',
        body: nuevoTanque,
        response: { 201: tanque, 400: errorRespuesta, 409: errorRespuesta, 429: errorRespuesta },
      },
    },
    async (req, reply) => {
      const { calibracion, ...resto } = req.body;
      const created = await audited(
        req,
        'tanque.crear',
        req.body.id_tanque,
        { ...resto, puntos_calibracion: calibracion.length },
        () => tanks.create(req.body),
      );
      reply.code(201);
      return created;
    },
  );

  app.put(
    '/api/tanques/:id',
    {
      schema: {
        tags,
        summary: 'Cambia la configuración de un tanque',
        params: idTanqueParams,
        body: cambiosTanque,
        response: { 200: tanque, 400: errorRespuesta, 404: errorRespuesta },
      },
    },
    async (req) => {
      const { calibracion, ...resto } = req.body;
      const detalles = {
        cambios: { ...resto, ...(calibracion ? { puntos_calibracion: calibracion.length } : {}) },
      };
      return audited(req, 'tanque.modificar', req.params.id, detalles, async () => {
        const updated = await tanks.update(req.params.id, req.body);
        if (!updated) throw notFound(req.params.id);
        return updated;
      });
    },
  );

  app.delete(
    '/api/tanques/:id',
    {
      schema: {
        tags,
        summary: 'Elimina un tanque (sus lecturas y descargas se conservan)',
        params: idTanqueParams,
        response: { 204: z.null(), 404: errorRespuesta },
      },
    },
    async (req, reply) => {
      await audited(req, 'tanque.eliminar', req.params.id, {}, async () => {
        if (!(await tanks.remove(req.params.id))) throw notFound(req.params.id);
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/tanques/:id/lecturas',
    {
      schema: {
        tags,
        summary:
          'Lecturas de un tanque, la más reciente primero (?desde&hasta sobre recibida; total en x-total-count); en CSV con ?formato=csv o Accept: text/csv',
        params: idTanqueParams,
        querystring: filtroLecturas,
        response: { 200: z.array(lecturaTanqueRespuesta), 400: errorRespuesta, 404: errorRespuesta },
      },
    },
    async (req, reply) => {
      if (!tanks.get(req.params.id)) throw notFound(req.params.id);
      const { desde, hasta, limit, skip } = req.query;
      const filtro = { id_tanque: req.params.id, desde, hasta };
      if (pideCsv(req)) return exportar(reply, 'lecturas', COLUMNAS_LECTURA, () => store.iterateReadings(filtro));
      return sendPage(reply, await store.listReadings({ ...filtro, limit, skip }));
    },
  );

  app.get(
    '/api/descargas',
    {
      schema: {
        tags,
        summary:
          'Descargas detectadas, la más reciente primero (?id_tanque; total en x-total-count); en CSV con ?formato=csv o Accept: text/csv',
        querystring: filtroDescargas,
        response: { 200: z.array(descarga), 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      const { id_tanque, limit, skip } = req.query;
      if (pideCsv(req))
        return exportar(reply, 'descargas', COLUMNAS_DESCARGA, () => store.iterateDeliveries({ id_tanque }));
      return sendPage(reply, await store.listDeliveries({ id_tanque, limit, skip }));
    },
  );

  app.get(
    '/api/conciliacion',
    {
      schema: {
        tags,
        summary:
          'Conciliación de inventario por tanque y día (o turno): stock inicial, ventas, descargas, ' +
          'stock esperado y medido, varianza y varianza acumulada (docs/conciliacion.md); en CSV con ?formato=csv o Accept: text/csv',
        querystring: filtroConciliacion,
        response: { 200: z.array(conciliacionTanque), 400: errorRespuesta, 404: errorRespuesta },
      },
    },
    async (req, reply) => {
      const { desde, hasta, id_tanque, turnos, offset_min } = req.query;
      if (id_tanque !== undefined && !tanks.get(id_tanque)) throw notFound(id_tanque);
      const reporte = await conciliacion.conciliar({
        desde: desde === undefined ? undefined : timestampMs(desde),
        hasta: hasta === undefined ? undefined : timestampMs(hasta),
        id_tanque,
        turnos,
        offsetMin: offset_min,
      });
      if (!pideCsv(req)) return reporte;
      // The report is bounded (MAX_PERIODOS per tank, --max-tanques): its rows are in memory already.
      return exportar(reply, 'conciliacion', COLUMNAS_CONCILIACION, async function* () {
        for (const t of reporte) for (const p of t.periodos) yield { ...p, truncado: t.truncado };
      });
    },
  );
};
