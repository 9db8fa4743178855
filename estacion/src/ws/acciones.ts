/**
 * The last actions on the dashboard: the audit entries operators care about (pumps, prices, the
 * company link, (ext) prepaid authorizations; not logins or user administration), without the client's address or the hashes.
 */
import type { AuditLog, RegistroAuditoria } from '@combustible/server';

/** Prefixes of the `accion`s shown to operators. */
export const ACCIONES_PANEL = ['surtidor.', 'precios.', 'empresa.', 'autorizacion.'] as const;
/** How many of them the snapshot carries. */
export const ULTIMAS_ACCIONES = 20;

export const esAccionPanel = (accion: string): boolean => ACCIONES_PANEL.some((prefix) => accion.startsWith(prefix));

/** An audit entry as the dashboard sees it. */
export function accionPanel(r: RegistroAuditoria) {
  return {
    seq: r.seq,
    fecha: r.fecha,
    usuario: r.usuario,
    rol: r.rol,
    accion: r.accion,
    objetivo: r.objetivo,
    resultado: r.resultado,
    detalles: r.detalles,
  };
}

export type AccionPanel = ReturnType<typeof accionPanel>;

/** The newest operator actions, newest first. */
export async function ultimasAcciones(audit: Pick<AuditLog, 'list'>, limit = ULTIMAS_ACCIONES): Promise<AccionPanel[]> {
  const pages = await Promise.all(ACCIONES_PANEL.map((accion) => audit.list({ accion, limit, skip: 0 })));
  return pages
    .flatMap((p) => p.items)
    .sort((a, b) => b.seq - a.seq)
    .slice(0, limit)
    .map(accionPanel);
}
