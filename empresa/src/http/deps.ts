import type { AuthService, CompanyRole } from '@combustible/server';
import type { Logger } from '@combustible/shared';
import type { CompanyService } from '../app/company-service.js';
import type { VistaRed } from '../app/vista-red.js';
import type { CompanyMetrics } from '../app/metrics.js';
import type { Estacion, EstadoEstacion } from '../domain/types.js';
import type { LinkManager } from '../links/link-manager.js';
import type { CompanyStore } from '../store/port.js';

export interface ApiDeps {
  service: CompanyService;
  links: LinkManager;
  /** (issue 15) What the stations reported: sales, totals, the network table. */
  red: VistaRed;
  /** Takes a just-registered station's lease at once if this replica's fair share allows (replicas). */
  replicas?: { claimNew(id: string): Promise<void> };
  store: CompanyStore;
  metrics: CompanyMetrics;
  /** Users, sessions, API tokens and the audit log. */
  auth: AuthService<CompanyRole>;
  log: Logger;
  empresa: { nombre: string };
  /** Folders with the staff page's files (the first that has a path wins); none to serve no page. */
  webRoots: string[];
  /** Requests per minute per client address (0: no limit). */
  rateLimitPerMinute?: number;
  /** CSV exports downloading at once (--max-exports, default 4). */
  maxExports?: number;
}

/** A station as the API shows it: its registry record plus its live link. */
export function presentStation(
  e: Estacion,
  enlace: EstadoEstacion | undefined,
  newest: number,
  programada: number | null = null,
  propietario: string | null = null,
) {
  const version_confirmada = enlace?.version_confirmada ?? e.version_confirmada;
  return {
    ...e,
    conectada: enlace?.conectada ?? false,
    ultimo_contacto: enlace?.ultimo_contacto ?? e.ultimo_contacto,
    version_confirmada,
    // Never on a station's word alone: a version anomaly (it reported one the company never made) is not up to date,
    // nor one that holds a cancelled version (above the newest not cancelled) until it answers the cancellation.
    al_dia: version_confirmada === newest && (enlace?.anomalia ?? null) === null,
    // Acknowledged the scheduled version (it keeps it durably and applies it at its vigencia).
    programada_recibida: programada === null ? null : version_confirmada !== null && version_confirmada >= programada,
    ultimo_error: enlace?.ultimo_error ?? null,
    enlace: enlace ?? null,
    // The replica whose process holds this station's link (its unexpired lease in the store).
    propietario,
  };
}
