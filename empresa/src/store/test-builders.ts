/** Data builders for tests: a valid record with every field set, overridden where a test cares. */
import type { AlertaReportada, CierreReportado, SurtidorReportado, VentaReportada } from '@combustible/shared';
import type { RegistroReporte, ReporteEntrante } from '../domain/reports.js';
import { type Estacion, type EstadoEstacion, estadoEnlace, type VersionPrecios } from '../domain/types.js';

let seq = 0;

/** A station link's status as a fresh link shows it (dialing), overridden where a test cares. */
export function unEstadoEnlace(overrides: Partial<EstadoEstacion> = {}): EstadoEstacion {
  return {
    ...estadoEnlace({
      estado: 'conectando',
      conectada: false,
      ultimo_contacto: null,
      version_confirmada: null,
      ultimo_error: null,
    }),
    ...overrides,
  };
}

export function unaVersion(overrides: Partial<VersionPrecios> = {}): VersionPrecios {
  return {
    version: 1,
    precios: { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 },
    actualizado: '2026-01-15T14:30:00.000Z',
    autor: 'ana',
    cambios: [{ campo: 'precio_95', anterior: 1340, nuevo: 1350 }],
    vigencia: null,
    cancelada: null,
    ...overrides,
  };
}

export function unaEstacion(overrides: Partial<Estacion> = {}): Estacion {
  const n = ++seq;
  return {
    id_estacion: `estacion-${n}`,
    nombre: `Estación ${n}`,
    host: '10.0.0.1',
    puerto: 5000 + n,
    tls: false,
    id_provisional: false,
    creada: '2026-01-15T14:30:00.000Z',
    actualizada: '2026-01-15T14:30:00.000Z',
    version_confirmada: null,
    ultimo_contacto: null,
    ...overrides,
  };
}

/** A reported sale (valid and plausible: monto_total = round(litros × precio_por_litro)). */
export function unaVentaReportada(overrides: Partial<VentaReportada> = {}): VentaReportada {
  const litros = overrides.litros ?? 10;
  const precio = overrides.precio_por_litro ?? 1290;
  return {
    id_transaccion: `t-${++seq}`,
    id_surtidor: 1,
    tipo_combustible: '93',
    litros,
    precio_por_litro: precio,
    monto_total: Math.round(litros * precio),
    metodo_pago: 'efectivo',
    fecha_inicio: '2026-01-15T14:00:00.000Z',
    fecha_fin: '2026-01-15T14:02:00.000Z',
    estado: 'completada',
    operador: null,
    version_precios: 1,
    id_autorizacion: null,
    recibida: '2026-01-15T14:02:01.000Z',
    ...overrides,
  };
}

export function unaAlertaReportada(overrides: Partial<AlertaReportada> = {}): AlertaReportada {
  return {
    id: `a-${++seq}`,
    codigo: 'SURTIDOR_SIN_RESPUESTA',
    severidad: 'advertencia',
    mensaje: 'el surtidor 1 no responde',
    id_surtidor: 1,
    creada: '2026-01-15T14:00:00.000Z',
    resuelta: null,
    ...overrides,
  };
}

export function unSurtidorReportado(overrides: Partial<SurtidorReportado> = {}): SurtidorReportado {
  return {
    id_surtidor: 1,
    nombre: 'Isla 1',
    version_precios: 1,
    conectado: true,
    actualizado: '2026-01-15T14:00:00.000Z',
    ...overrides,
  };
}

export function unCierreReportado(overrides: Partial<CierreReportado> = {}): CierreReportado {
  return {
    id_cierre: `c-${++seq}`,
    desde: '2026-01-15T03:00:00.000Z',
    hasta: '2026-01-16T02:59:59.999Z',
    fecha: '2026-01-15',
    turno: null,
    creado: '2026-01-16T03:00:00.000Z',
    total: { transacciones: 1, litros: 10, monto: 12900 },
    por_combustible: [],
    ...overrides,
  };
}

/** A report as the store receives it, from station `id_estacion` at journal position `seq`. */
export function entrante(
  id_estacion: string,
  seq: number,
  registro: RegistroReporte,
  recibida = '2026-01-15T14:05:00.000Z',
): ReporteEntrante {
  return { ...registro, id_estacion, seq, recibida };
}
