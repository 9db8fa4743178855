/**
 * The company's view of its network (issue 15), read for the API: sales and their totals from what
 * the stations reported, and per station its link, the price version it and each of its pumps
 * hold, its open alerts and how far its reports are behind. Reads only; days are counted in the
 * company's --zona-horaria.
 */
import { type Clock, fechaEnZona, rangoDelDia } from '@combustible/shared';
import {
  litros3,
  redondearTotales,
  sumarTotales,
  type Totales,
  type TotalesDia,
  totalesCero,
  totalesPorDia,
} from '../domain/reports.js';
import {
  type AlertaEmpresa,
  type EstadoEnlace,
  type EstadoEstacion,
  estadoEnlace,
  type ReporteApartado,
  type SurtidorEmpresa,
  type VentaEmpresa,
} from '../domain/types.js';
import { CompanyError } from '../errors.js';
import type { LinkManager } from '../links/link-manager.js';
import type { CompanyStore, FiltroVentas, LeaseEnlace } from '../store/port.js';
import type { CompanyService } from './company-service.js';

/** The longest range /api/resumen sums (days). */
export const MAX_DIAS_RESUMEN = 366;
/** The range /api/resumen sums when not asked (days, up to now). */
export const DIAS_RESUMEN_POR_DEFECTO = 7;
/** Open alerts and kept-apart reports shown in a station's detail, the newest. */
export const MAX_DETALLE = 100;

const DIA_MS = 86_400_000;

export interface VistaRedDeps {
  service: CompanyService;
  links: LinkManager;
  store: CompanyStore;
  clock: Clock;
  zonaHoraria: string;
  /** This process's --replica-id (null: none, a lone process shows no owner). */
  replica?: string | null;
}

/** A station's link as this process shows it, and the replica holding it (null: none). */
export interface EnlaceVisto {
  enlace: EstadoEstacion | undefined;
  propietario: string | null;
}

export interface Resumen {
  desde: string;
  hasta: string;
  zona_horaria: string;
  total: Totales;
  por_estacion: (Totales & { id_estacion: string })[];
  por_combustible: (Totales & { tipo_combustible: string })[];
  por_dia: TotalesDia[];
}

/** How far a station's reports are: the highest stored here, the station's last, the difference. */
export interface ReportesEstacion {
  ultimo_seq_recibido: number;
  /** Null: this process has no link telling it (the station does not forward, or another process owns it). */
  ultimo_seq_estacion: number | null;
  pendientes: number | null;
  /** Reports ever kept apart: rejected (class unknown, invalid or implausible) and conflicts. */
  rechazados: number;
  conflictos: number;
}

export interface AlertasAbiertas {
  total: number;
  critica: number;
  advertencia: number;
  info: number;
}

export interface EstacionRed {
  id_estacion: string;
  nombre: string;
  conectada: boolean;
  estado: EstadoEnlace | null;
  ultimo_contacto: string | null;
  version_confirmada: number | null;
  surtidores: { total: number; al_dia: number };
  ventas_hoy: Totales;
  alertas_abiertas: AlertasAbiertas;
  reportes: ReportesEstacion;
  /** The process that owns the station's link (several processes on one store); null: this one alone. */
  propietario: string | null;
}

export interface Red {
  generado: string;
  version_vigente: number;
  zona_horaria: string;
  totales: {
    estaciones: number;
    conectadas: number;
    surtidores: number;
    surtidores_al_dia: number;
    ventas_hoy: Totales;
    alertas_abiertas: number;
  };
  estaciones: EstacionRed[];
}

export interface DetalleReportes {
  surtidores: SurtidorEmpresa[];
  alertas_abiertas: AlertaEmpresa[];
  reportes: ReportesEstacion;
  /** The newest reports kept apart (rejected and conflicts). */
  reportes_apartados: ReporteApartado[];
}

const alertasCero = (): AlertasAbiertas => ({ total: 0, critica: 0, advertencia: 0, info: 0 });

export class VistaRed {
  constructor(private readonly deps: VistaRedDeps) {}

  get zonaHoraria(): string {
    return this.deps.zonaHoraria;
  }

  async ventas(filtro: FiltroVentas, pagina: { limit: number; skip: number }) {
    const [items, total] = await Promise.all([
      this.deps.store.listSales(filtro, pagina),
      this.deps.store.countSales(filtro),
    ]);
    return { items, total };
  }

  iterarVentas(filtro: FiltroVentas): AsyncIterable<VentaEmpresa> {
    return this.deps.store.iterateSales(filtro);
  }

  /**
   * Totals of the sales with fecha_fin in [desde, hasta] (default: the last DIAS_RESUMEN_POR_DEFECTO
   * days up to now); RANGO_INVALIDO when hasta is before desde or the range is over MAX_DIAS_RESUMEN days.
   */
  async resumen(q: { desde?: string | undefined; hasta?: string | undefined; estacion?: string | undefined }) {
    const hastaMs = q.hasta === undefined ? this.deps.clock.now() : Date.parse(q.hasta);
    const desdeMs = q.desde === undefined ? hastaMs - DIAS_RESUMEN_POR_DEFECTO * DIA_MS : Date.parse(q.desde);
    if (hastaMs < desdeMs) throw new CompanyError('RANGO_INVALIDO', '"hasta" es anterior a "desde"');
    if (hastaMs - desdeMs > MAX_DIAS_RESUMEN * DIA_MS) {
      throw new CompanyError('RANGO_INVALIDO', `el rango supera ${MAX_DIAS_RESUMEN} días`);
    }
    const r = await this.deps.store.summarizeSales({ desde_ms: desdeMs, hasta_ms: hastaMs, id_estacion: q.estacion });
    const resumen: Resumen = {
      desde: new Date(desdeMs).toISOString(),
      hasta: new Date(hastaMs).toISOString(),
      zona_horaria: this.deps.zonaHoraria,
      total: redondearTotales(r.total),
      por_estacion: r.por_estacion.map(redondearTotales),
      por_combustible: r.por_combustible.map(redondearTotales),
      por_dia: totalesPorDia(r.por_cuarto, this.deps.zonaHoraria),
    };
    return resumen;
  }

  /**
   * Each station's link as this process shows it, from one store read: the link it holds itself;
   * else, with an unexpired lease of another replica, the state that replica last wrote on it
   * (conectada false until it wrote one); with no unexpired lease, not connected and no owner.
   */
  async enlaces(): Promise<(id: string) => EnlaceVisto> {
    const { store, clock } = this.deps;
    const self = this.deps.replica ?? null;
    const leases = new Map((await store.activeLeaseLinks(clock.now())).map((l) => [l.id_estacion, l]));
    return this.visto(leases, self);
  }

  /**
   * One station's link: its own when this replica holds it (no store read: registering 10,000
   * stations one by one must not read every lease each time), else what its owner wrote.
   */
  async enlace(id: string): Promise<EnlaceVisto> {
    const propio = this.deps.links.status(id);
    if (propio !== undefined) return { enlace: propio, propietario: this.deps.replica ?? null };
    return (await this.enlaces())(id);
  }

  private visto(leases: Map<string, LeaseEnlace>, self: string | null): (id: string) => EnlaceVisto {
    const { links } = this.deps;
    return (id) => {
      const propio = links.status(id);
      const lease = leases.get(id);
      if (propio !== undefined || lease === undefined || lease.propietario === self) {
        return { enlace: propio, propietario: propio === undefined ? (lease?.propietario ?? null) : self };
      }
      return {
        enlace: lease.enlace === null ? undefined : estadoEnlace(lease.enlace),
        propietario: lease.propietario,
      };
    };
  }

  /** Every registered station with its link, pumps, today's sales, open alerts and reports. */
  async red(): Promise<Red> {
    const { service, store, clock, zonaHoraria } = this.deps;
    const now = clock.now();
    const hoy = rangoDelDia(fechaEnZona(now, zonaHoraria), zonaHoraria);
    const [ventasHoy, surtidores, alertas, estados, enlaces] = await Promise.all([
      store.summarizeSales({ desde_ms: Date.parse(hoy.desde), hasta_ms: Date.parse(hoy.hasta) }),
      store.countPumpsByVersion(),
      store.countOpenAlerts(),
      store.listReportStates(),
      this.enlaces(),
    ]);
    const vigente = service.vigente.version;
    const ventasPor = new Map(ventasHoy.por_estacion.map((v) => [v.id_estacion, v]));
    const surtidoresPor = new Map<string, { total: number; al_dia: number }>();
    for (const s of surtidores) {
      const t = surtidoresPor.get(s.id_estacion) ?? { total: 0, al_dia: 0 };
      t.total += s.n;
      if (s.version_precios === vigente) t.al_dia += s.n;
      surtidoresPor.set(s.id_estacion, t);
    }
    const alertasPor = new Map<string, AlertasAbiertas>();
    for (const a of alertas) {
      const t = alertasPor.get(a.id_estacion) ?? alertasCero();
      t.total += a.n;
      if (a.severidad === 'critica' || a.severidad === 'advertencia' || a.severidad === 'info') t[a.severidad] += a.n;
      alertasPor.set(a.id_estacion, t);
    }
    const estadosPor = new Map(estados.map((e) => [e.id_estacion, e]));
    const totales: Red['totales'] = {
      estaciones: 0,
      conectadas: 0,
      surtidores: 0,
      surtidores_al_dia: 0,
      ventas_hoy: totalesCero(),
      alertas_abiertas: 0,
    };
    const estaciones = service.listStations().map((e): EstacionRed => {
      const { enlace, propietario } = enlaces(e.id_estacion);
      const { id_estacion: _, ...ventas } = ventasPor.get(e.id_estacion) ?? { id_estacion: '', ...totalesCero() };
      const pumps = surtidoresPor.get(e.id_estacion) ?? { total: 0, al_dia: 0 };
      const abiertas = alertasPor.get(e.id_estacion) ?? alertasCero();
      const fila: EstacionRed = {
        id_estacion: e.id_estacion,
        nombre: e.nombre,
        conectada: enlace?.conectada ?? false,
        estado: enlace?.estado ?? null,
        ultimo_contacto: enlace?.ultimo_contacto ?? e.ultimo_contacto,
        version_confirmada: enlace?.version_confirmada ?? e.version_confirmada,
        surtidores: pumps,
        ventas_hoy: redondearTotales(ventas),
        alertas_abiertas: abiertas,
        reportes: this.reportes(e.id_estacion, estadosPor.get(e.id_estacion)),
        propietario,
      };
      totales.estaciones += 1;
      if (fila.conectada) totales.conectadas += 1;
      totales.surtidores += pumps.total;
      totales.surtidores_al_dia += pumps.al_dia;
      totales.ventas_hoy = sumarTotales(totales.ventas_hoy, ventas);
      totales.alertas_abiertas += abiertas.total;
      return fila;
    });
    totales.ventas_hoy.litros = litros3(totales.ventas_hoy.litros);
    return {
      generado: new Date(now).toISOString(),
      version_vigente: vigente,
      zona_horaria: zonaHoraria,
      totales,
      estaciones,
    };
  }

  /** What a station reported: its pumps, its open alerts, how far its reports are, what was kept apart. */
  async detalle(id_estacion: string): Promise<DetalleReportes> {
    const { store } = this.deps;
    const [surtidores, alertas_abiertas, estados, reportes_apartados] = await Promise.all([
      store.listReportedPumps(id_estacion),
      store.listOpenAlerts(id_estacion, MAX_DETALLE),
      store.listReportStates(),
      store.listSetAside(id_estacion, MAX_DETALLE),
    ]);
    const estado = estados.find((e) => e.id_estacion === id_estacion);
    return { surtidores, alertas_abiertas, reportes: this.reportes(id_estacion, estado), reportes_apartados };
  }

  private reportes(
    id_estacion: string,
    estado: { ultimo_seq: number; rechazados: number; conflictos: number } | undefined,
  ): ReportesEstacion {
    const recibido = estado?.ultimo_seq ?? 0;
    const estacion = this.deps.links.ultimoSeqEstacion(id_estacion);
    return {
      ultimo_seq_recibido: recibido,
      ultimo_seq_estacion: estacion,
      pendientes: estacion === null ? null : Math.max(0, estacion - recibido),
      rechazados: estado?.rechazados ?? 0,
      conflictos: estado?.conflictos ?? 0,
    };
  }
}
