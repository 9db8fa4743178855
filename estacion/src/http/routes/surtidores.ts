import { pageOf, pideCsv, requestActor, sendPage } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { initialState } from '../../domain/live-state.js';
import type { Tanque } from '../../domain/tanks.js';
import { StationError } from '../../errors.js';
import { presentPump, type RouteDeps } from '../deps.js';
import { COLUMNAS_TRANSACCION } from '../exportar.js';
import {
  cambiosSurtidor,
  comandoBody,
  comandoPlayaBody,
  comandoPlayaRespuesta,
  comandoRespuesta,
  errorRespuesta,
  estadoSurtidor,
  idParams,
  nuevoSurtidor,
  paginaSimple,
  paginacion,
  surtidor,
  surtidorDetalle,
  transaccion,
} from '../schemas.js';

const tags = ['surtidores'];
/** Pump ids listed in the audit entry of a forecourt command (the counts are always complete). */
const MAX_IDS_AUDITADOS = 100;

function notFound(id: number): StationError {
  return new StationError('SURTIDOR_NO_ENCONTRADO', `no existe el surtidor ${id}`);
}

export const surtidoresRoutes: FastifyPluginAsyncZod<RouteDeps> = async (
  app,
  { service, tanks, hub, store, auth, exportar },
) => {
  const { audit } = auth;
  /** (ext) configuracion.tanques must name existing tanks of each fuel. */
  const checkTanks = (cambios: {
    configuracion?: { tanques?: Partial<Record<string, number>> | undefined } | undefined;
  }) => {
    for (const [combustible, id] of Object.entries(cambios.configuracion?.tanques ?? {})) {
      if (id !== undefined && !tanks.tankSells(id, combustible as Tanque['combustible'])) {
        throw new StationError(
          'TANQUE_NO_COINCIDE',
          `configuracion.tanques: el tanque ${id} no existe o no es de ${combustible}`,
          [
            {
              campo: `configuracion.tanques.${combustible}`,
              problema: `el tanque ${id} no existe o no es de ${combustible}`,
            },
          ],
        );
      }
    }
  };
  const present = (id: number) => {
    const p = service.pump(id);
    if (!p) throw notFound(id);
    return presentPump(p, service.live.get(id));
  };

  app.get(
    '/api/surtidores',
    {
      schema: {
        tags,
        summary: 'Los surtidores por id, con su estado (una página; total en x-total-count)',
        querystring: paginaSimple,
        response: { 200: z.array(surtidor), 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      const page = pageOf(service.allPumps(), req.query);
      return sendPage(reply, {
        items: page.items.map((p) => presentPump(p, service.live.get(p.id_surtidor))),
        total: page.total,
      });
    },
  );

  app.get(
    '/api/surtidores/estado/conectados',
    {
      schema: {
        tags,
        summary: 'Estado en vivo de los surtidores conectados, por id (una página; total en x-total-count)',
        querystring: paginaSimple,
        response: { 200: z.array(estadoSurtidor), 400: errorRespuesta },
      },
    },
    async (req, reply) =>
      sendPage(
        reply,
        pageOf(
          service.live.connected().sort((a, b) => a.id_surtidor - b.id_surtidor),
          req.query,
        ),
      ),
  );

  app.get(
    '/api/surtidores/:id',
    {
      schema: {
        tags,
        summary: 'Un surtidor con su estado y estadísticas',
        params: idParams,
        response: { 200: surtidorDetalle, 404: errorRespuesta },
      },
    },
    async (req) => {
      const base = present(req.params.id);
      const live = service.live.get(req.params.id);
      return {
        ...base,
        estado_actual: live ?? initialState(req.params.id),
        estadisticas: await store.pumpStats(req.params.id),
      };
    },
  );

  app.post(
    '/api/surtidores',
    {
      schema: {
        tags,
        summary: 'Pre-configura un surtidor antes de que se conecte',
        body: nuevoSurtidor,
        response: { 201: surtidor, 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      checkTanks(req.body);
      const created = await service.createPump(req.body);
      await audit.append({
        ...requestActor(req),
        accion: 'surtidor.crear',
        objetivo: `surtidor:${created.id_surtidor}`,
        resultado: 'ok',
        detalles: { ...req.body },
      });
      reply.code(201);
      return presentPump(created, service.live.get(created.id_surtidor));
    },
  );

  app.put(
    '/api/surtidores/:id',
    {
      schema: {
        tags,
        summary: 'Cambia la configuración de un surtidor',
        params: idParams,
        body: cambiosSurtidor,
        response: { 200: surtidor, 400: errorRespuesta, 404: errorRespuesta, 409: errorRespuesta },
      },
    },
    async (req) => {
      const id = req.params.id;
      checkTanks(req.body);
      // (ext) A connected pump that cannot take authorizations would wait forever in prepago.
      if (req.body.modo_autorizacion === 'prepago' && hub.isConnected(id) && !hub.canAuthorize(id)) {
        await audit.append({
          ...requestActor(req),
          accion: 'surtidor.modificar',
          objetivo: `surtidor:${id}`,
          resultado: 'error',
          detalles: { cambios: { ...req.body }, codigo: 'AUTORIZACION_NO_SOPORTADA' },
        });
        throw new StationError(
          'AUTORIZACION_NO_SOPORTADA',
          `el surtidor ${id} está conectado y no declaró la capacidad "autorizacion": no puede pasar a prepago`,
        );
      }
      const updated = await service.updatePump(req.params.id, req.body);
      if (!updated) throw notFound(req.params.id);
      await audit.append({
        ...requestActor(req),
        accion: 'surtidor.modificar',
        objetivo: `surtidor:${req.params.id}`,
        resultado: 'ok',
        detalles: { cambios: { ...req.body } },
      });
      return presentPump(updated, service.live.get(updated.id_surtidor));
    },
  );

  app.delete(
    '/api/surtidores/:id',
    {
      schema: {
        tags,
        summary: 'Elimina un surtidor (sus transacciones se conservan)',
        params: idParams,
        querystring: z.object({ force: z.enum(['true', 'false']).default('false') }),
        response: { 204: z.null(), 404: errorRespuesta, 409: errorRespuesta },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      if (!service.pump(id)) throw notFound(id);
      if (hub.isConnected(id) && req.query.force !== 'true') {
        throw new StationError(
          'SURTIDOR_CONECTADO',
          `el surtidor ${id} está conectado; use ?force=true para eliminarlo igual`,
        );
      }
      const conectado = hub.isConnected(id);
      await service.deletePump(id);
      hub.disconnect(id);
      await audit.append({
        ...requestActor(req),
        accion: 'surtidor.eliminar',
        objetivo: `surtidor:${id}`,
        resultado: 'ok',
        detalles: { forzado: conectado },
      });
      reply.code(204);
      return null;
    },
  );

  app.get(
    '/api/surtidores/:id/estado',
    {
      schema: {
        tags,
        summary: 'Estado en vivo de un surtidor',
        params: idParams,
        response: { 200: estadoSurtidor, 404: errorRespuesta },
      },
    },
    async (req) => {
      present(req.params.id);
      const live = service.live.get(req.params.id);
      return live ?? initialState(req.params.id);
    },
  );

  app.get(
    '/api/surtidores/:id/transacciones',
    {
      schema: {
        tags,
        summary:
          'Transacciones de un surtidor, la más reciente primero (total en x-total-count); en CSV con ?formato=csv o Accept: text/csv',
        params: idParams,
        querystring: paginacion,
        response: { 200: z.array(transaccion), 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      const id_surtidor = req.params.id;
      if (pideCsv(req)) {
        const { limit: _l, skip: _s, formato: _f, ...filtro } = req.query;
        return exportar(reply, `surtidor-${id_surtidor}-transacciones`, COLUMNAS_TRANSACCION, () =>
          store.iterateTransactions({ ...filtro, id_surtidor }),
        );
      }
      return sendPage(reply, await store.listTransactions({ ...req.query, id_surtidor }));
    },
  );

  app.post(
    '/api/surtidores/:id/comando',
    {
      schema: {
        tags,
        summary: 'Envía pausar / reanudar / detener_emergencia y espera la respuesta del surtidor',
        params: idParams,
        body: comandoBody,
        response: { 200: comandoRespuesta, 404: errorRespuesta, 409: errorRespuesta, 504: errorRespuesta },
      },
    },
    async (req) => {
      const id = req.params.id;
      present(id);
      const { comando, razon } = req.body;
      const actor = requestActor(req);
      const record = (resultado: 'ok' | 'error', detalles: Record<string, unknown>) =>
        audit.append({
          ...actor,
          accion: 'surtidor.comando',
          objetivo: `surtidor:${id}`,
          resultado,
          detalles: { comando, razon, ...detalles },
        });
      let answer;
      try {
        answer = await hub.sendCommand(id, comando, razon);
      } catch (err) {
        // Not sent, or no answer: the attempt is on record with why.
        await record('error', { resultado: null, codigo: err instanceof StationError ? err.code : 'ERROR_INTERNO' });
        throw err;
      }
      const ok = answer.resultado === 'ok';
      // Who paused it and why goes on the pump's card (reanudar clears it).
      if (ok) service.commandApplied(id, comando, { usuario: actor.usuario, razon });
      await record(ok ? 'ok' : 'error', { resultado: answer.resultado, id_comando: answer.id_comando });
      req.log.info({ id_surtidor: id, ...answer, razon, usuario: actor.usuario }, 'comando ejecutado');
      return { id_surtidor: id, ...answer };
    },
  );

  app.post(
    '/api/surtidores/comando',
    {
      schema: {
        tags,
        summary:
          'Envía pausar / reanudar / detener_emergencia a todos los surtidores conectados a la vez y espera sus respuestas hasta el plazo',
        body: comandoPlayaBody,
        response: { 200: comandoPlayaRespuesta, 409: errorRespuesta },
      },
    },
    async (req) => {
      const { comando, razon, plazo_ms } = req.body;
      const actor = requestActor(req);
      let result;
      try {
        result = await hub.commandAll(
          comando,
          razon,
          service.allPumps().map((p) => p.id_surtidor),
          plazo_ms,
        );
      } catch (err) {
        // Another forecourt command is waiting: the attempt is on record too.
        await audit.append({
          ...actor,
          accion: 'surtidor.comando_playa',
          objetivo: 'playa',
          resultado: 'denegado',
          detalles: { comando, razon, codigo: err instanceof StationError ? err.code : 'ERROR_INTERNO' },
        });
        throw err;
      }
      // Who paused each pump and why goes on its card, as for a command to one pump.
      for (const e of result.surtidores)
        if (e.estado === 'ejecutado' && e.resultado === 'ok')
          service.commandApplied(e.id_surtidor, comando, { usuario: actor.usuario, razon });
      const fallidos = result.surtidores.filter(
        (e) => e.estado === 'sin_respuesta' || (e.estado === 'ejecutado' && e.resultado !== 'ok'),
      );
      await audit.append({
        ...actor,
        accion: 'surtidor.comando_playa',
        objetivo: 'playa',
        resultado: fallidos.length === 0 ? 'ok' : 'error',
        detalles: {
          comando,
          razon,
          plazo_ms: result.plazo_ms,
          ms: result.ms,
          ...result.totales,
          // The pumps that did not do it, by id (the first 100; the totals count them all).
          sin_ejecutar: fallidos.slice(0, MAX_IDS_AUDITADOS).map((e) => e.id_surtidor),
        },
      });
      req.log.info(
        { comando, razon, usuario: actor.usuario, plazo_ms: result.plazo_ms, ms: result.ms, ...result.totales },
        'comando para toda la playa',
      );
      return result;
    },
  );
};
