/**
 * (ext) Prepaid authorizations: an operator authorizes a waiting pump with a preset, cancels it
 * while fuel has not started flowing, and anyone with a session lists them. The pump traffic
 * (`autorizar`, `cancelar_autorizacion`) follows the stored state (see PumpHub.pushAuthorization).
 */
import { pideCsv, requestActor, sendPage } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthorizationRefusal } from '../../domain/authorizations.js';
import type { Autorizacion } from '../../domain/types.js';
import { StationError } from '../../errors.js';
import type { RouteDeps } from '../deps.js';
import { COLUMNAS_AUTORIZACION } from '../exportar.js';
import { autorizacion, errorRespuesta, filtroAutorizaciones, idParams, pedidoAutorizacion } from '../schemas.js';

const tags = ['autorizaciones'];

/** The pump states in which an authorization may be issued. */
const ESPERANDO = new Set(['esperando_autorizacion', 'disponible']);

function refusalError(r: AuthorizationRefusal, id: number): StationError {
  switch (r.rechazo) {
    case 'AUTORIZACION_ABIERTA':
      return new StationError(
        'AUTORIZACION_ABIERTA',
        `el surtidor ${id} ya tiene la autorización ${r.abierta.id_autorizacion} (${r.abierta.estado})`,
      );
    case 'AUTORIZACIONES_EXCEDIDAS':
      return new StationError(
        'AUTORIZACIONES_EXCEDIDAS',
        `la estación ya tiene ${r.maximo} autorizaciones abiertas (--max-open-authorizations)`,
      );
    case 'AUTORIZACION_NO_ENCONTRADA':
      return new StationError('AUTORIZACION_NO_ENCONTRADA', `el surtidor ${id} no tiene una autorización abierta`);
    case 'AUTORIZACION_EN_CURSO':
      return new StationError(
        'AUTORIZACION_EN_CURSO',
        `el surtidor ${id} ya está despachando con la autorización ${r.abierta.id_autorizacion}: no se puede cancelar mientras esté conectado`,
      );
  }
}

export const autorizacionesRoutes: FastifyPluginAsyncZod<RouteDeps> = async (
  app,
  { service, hub, store, auth, exportar },
) => {
  const { audit } = auth;

  app.post(
    '/api/surtidores/:id/autorizacion',
    {
      schema: {
        tags,
        summary:
          'Autoriza un surtidor en prepago que espera (monto, litros o lleno); se le envía "autorizar" al quedar guardada',
        params: idParams,
        body: pedidoAutorizacion,
        response: {
          201: autorizacion,
          400: errorRespuesta,
          404: errorRespuesta,
          409: errorRespuesta,
          429: errorRespuesta,
        },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const pump = service.pump(id);
      if (!pump) throw new StationError('SURTIDOR_NO_ENCONTRADO', `no existe el surtidor ${id}`);
      if (!hub.isConnected(id)) throw new StationError('SURTIDOR_DESCONECTADO', `el surtidor ${id} no está conectado`);
      if (pump.modo_autorizacion !== 'prepago') {
        throw new StationError('SURTIDOR_NO_PREPAGO', `el surtidor ${id} está en postpago: no necesita autorización`);
      }
      if (!hub.canAuthorize(id)) {
        throw new StationError(
          'AUTORIZACION_NO_SOPORTADA',
          `el surtidor ${id} no declaró la capacidad "autorizacion": no puede recibir autorizaciones`,
        );
      }
      const estado = service.live.get(id)?.estado_operacion;
      if (estado === undefined || !ESPERANDO.has(estado)) {
        throw new StationError(
          'SURTIDOR_OCUPADO',
          `el surtidor ${id} está ${estado ?? 'sin estado'}: se autoriza cuando espera autorización o está disponible`,
        );
      }
      const { limite, combustibles } = req.body;
      const fuera = (combustibles ?? []).filter((c) => !pump.combustibles_soportados.includes(c));
      if (fuera.length > 0) {
        throw new StationError(
          'COMBUSTIBLE_NO_DISPONIBLE',
          `el surtidor ${id} no vende ${fuera.join(', ')} (vende ${pump.combustibles_soportados.join(', ')})`,
        );
      }
      const actor = requestActor(req);
      const issued = await service.issueAuthorization(id, { limite, combustibles }, actor.usuario);
      if ('rechazo' in issued) throw refusalError(issued, id);
      await audit.append({
        ...actor,
        accion: 'autorizacion.emitir',
        objetivo: `surtidor:${id}`,
        resultado: 'ok',
        detalles: { id_autorizacion: issued.id_autorizacion, limite, combustibles: issued.combustibles },
      });
      reply.code(201);
      return issued;
    },
  );

  app.delete(
    '/api/surtidores/:id/autorizacion',
    {
      schema: {
        tags,
        summary:
          'Cancela la autorización abierta del surtidor mientras no despacha (se le envía "cancelar_autorizacion")',
        params: idParams,
        response: { 200: autorizacion, 404: errorRespuesta, 409: errorRespuesta },
      },
    },
    async (req) => {
      const id = req.params.id;
      if (!service.pump(id)) throw new StationError('SURTIDOR_NO_ENCONTRADO', `no existe el surtidor ${id}`);
      const actor = requestActor(req);
      // A pump gone in mid-sale would hold its authorization open for ever: then it may be cancelled.
      const cancelled: Autorizacion | AuthorizationRefusal = await service.cancelAuthorization(
        id,
        actor.usuario,
        !hub.isConnected(id),
      );
      if ('rechazo' in cancelled) throw refusalError(cancelled, id);
      await audit.append({
        ...actor,
        accion: 'autorizacion.cancelar',
        objetivo: `surtidor:${id}`,
        resultado: 'ok',
        detalles: { id_autorizacion: cancelled.id_autorizacion },
      });
      return cancelled;
    },
  );

  app.get(
    '/api/autorizaciones',
    {
      schema: {
        tags,
        summary:
          'Autorizaciones de prepago, la más reciente primero (?estado, ?id_surtidor; total en x-total-count); en CSV con ?formato=csv o Accept: text/csv',
        querystring: filtroAutorizaciones,
        response: { 200: z.array(autorizacion), 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      const { estado, id_surtidor, limit, skip } = req.query;
      const filtro = { ...(estado ? { estados: [estado] } : {}), id_surtidor };
      if (pideCsv(req))
        return exportar(reply, 'autorizaciones', COLUMNAS_AUTORIZACION, () => store.iterateAuthorizations(filtro));
      return sendPage(reply, await store.listAuthorizations({ ...filtro, limit, skip }));
    },
  );
};
