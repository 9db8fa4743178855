/**
 * Data builders for tests: a valid record with every field set, overridden where a test cares.
 * Ids are unique within a test file.
 */
import type { Descarga, Lectura, Tanque } from '../domain/tanks.js';
import type {
  Alerta,
  Autorizacion,
  Cierre,
  EstadoSurtidor,
  Surtidor,
  Transaccion,
  VersionPrecios,
} from '../domain/types.js';

let seq = 0;
const next = () => ++seq;

export function unaTransaccion(overrides: Partial<Transaccion> = {}): Transaccion {
  const n = next();
  return {
    id_transaccion: `TX-${n}`,
    id_derivado: false,
    id_surtidor: 1,
    nombre_surtidor: 'Surtidor 1',
    tipo_combustible: '93',
    litros: 20,
    precio_por_litro: 1290,
    monto_total: 25_800,
    metodo_pago: 'efectivo',
    fecha_inicio: '2024-01-15T14:28:00Z',
    fecha_fin: '2024-01-15T14:30:00Z',
    estado: 'completada',
    operador: null,
    secuencia: null,
    version_precios: 1,
    totalizador_inicio: null,
    totalizador_fin: null,
    observaciones: [],
    detalles: { duracion_segundos: 120, velocidad_promedio: 10 },
    recibida: '2024-01-15T14:30:01.000Z',
    id_autorizacion: null,
    reembolso: null,
    ...overrides,
  };
}

export function unSurtidor(overrides: Partial<Surtidor> = {}): Surtidor {
  const id = overrides.id_surtidor ?? next();
  return {
    id_surtidor: id,
    nombre: `Surtidor ${id}`,
    combustibles_soportados: ['93', '95', 'diesel'],
    combustible_actual: null,
    configuracion: { capacidad_maxima_litros: 100, velocidad_despacho: 0.5 },
    fecha_creacion: '2024-01-15T08:00:00.000Z',
    fecha_actualizacion: '2024-01-15T08:00:00.000Z',
    ultima_conexion: null,
    ip: null,
    version: null,
    modo_autorizacion: 'postpago',
    ...overrides,
  };
}

export function unEstado(overrides: Partial<EstadoSurtidor> = {}): EstadoSurtidor {
  return {
    id_surtidor: 1,
    estado_conexion: 'conectado',
    estado_operacion: 'disponible',
    litros_actuales: 0,
    monto_actual: 0,
    tipo_combustible: null,
    precio_por_litro: null,
    version_precios: null,
    desfase_reloj_ms: null,
    timestamp: null,
    ultima_actividad: null,
    pausado_por: null,
    ...overrides,
  };
}

export function unaAlerta(overrides: Partial<Alerta> = {}): Alerta {
  const n = next();
  return {
    id: `alerta-${n}`,
    clave: `PRUEBA:${n}`,
    codigo: 'PRUEBA',
    mensaje: `Alerta de prueba ${n}`,
    severidad: 'advertencia',
    id_surtidor: 1,
    creada: '2024-01-15T14:30:00.000Z',
    resuelta: null,
    datos: null,
    ...overrides,
  };
}

export function unaVersionPrecios(overrides: Partial<VersionPrecios> = {}): VersionPrecios {
  return {
    version: 1,
    precios: { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 },
    actualizado: '2024-01-15T08:00:00.000Z',
    origen: 'empresa',
    ...overrides,
  };
}

export function unaAutorizacion(overrides: Partial<Autorizacion> = {}): Autorizacion {
  const n = next();
  return {
    id_autorizacion: `A-${n}`,
    id_surtidor: 1,
    estado: 'emitida',
    limite: { tipo: 'monto', valor: 10_000 },
    combustibles: null,
    monto_prepagado: 10_000,
    usuario: 'operador',
    creada: '2024-01-15T14:30:00.000Z',
    vence: '2024-01-15T14:32:00.000Z',
    actualizada: '2024-01-15T14:30:00.000Z',
    id_transaccion: null,
    reembolso: null,
    motivo: null,
    ...overrides,
  };
}

export function unTanque(overrides: Partial<Tanque> = {}): Tanque {
  const id = overrides.id_tanque ?? next();
  return {
    id_tanque: id,
    nombre: `Tanque ${id}`,
    combustible: '93',
    capacidad_litros: 20_000,
    calibracion: [
      { altura_mm: 0, litros: 0 },
      { altura_mm: 1000, litros: 9000 },
      { altura_mm: 2000, litros: 20_000 },
    ],
    nivel_bajo_litros: 2000,
    agua_alta_mm: 50,
    creado: '2024-01-15T08:00:00.000Z',
    actualizado: '2024-01-15T08:00:00.000Z',
    ...overrides,
  };
}

export function unaLectura(overrides: Partial<Lectura> = {}): Lectura {
  return {
    id_tanque: 1,
    id_medidor: 1,
    timestamp: '2024-01-15T14:30:00Z',
    recibida: '2024-01-15T14:30:00.100Z',
    altura_producto_mm: 1000,
    altura_agua_mm: 5,
    temperatura_c: 18.5,
    litros: 9000,
    litros_15c: 8975.5,
    observaciones: [],
    conservar: false,
    ...overrides,
  };
}

export function unaDescarga(overrides: Partial<Descarga> = {}): Descarga {
  return {
    id: `D-${next()}`,
    id_tanque: 1,
    inicio: '2024-01-15T10:00:00.000Z',
    fin: '2024-01-15T10:30:00.000Z',
    litros: 10_250.5,
    litros_inicio: 4000,
    litros_fin: 14_000,
    ventas_litros: 250.5,
    ...overrides,
  };
}

export function unCierre(overrides: Partial<Cierre> = {}): Cierre {
  const n = next();
  const t = { transacciones: 2, litros: 30.5, monto: 36_600, reembolsos: 400 };
  return {
    id_cierre: `C-${n}`,
    desde: '2024-01-15T03:00:00.000Z',
    hasta: '2024-01-16T02:59:59.999Z',
    fecha: '2024-01-15',
    turno: null,
    zona_horaria: 'America/Santiago',
    creado: '2024-01-16T03:05:00.000Z',
    usuario: 'sofia',
    total: t,
    por_surtidor: [{ id_surtidor: 1, nombre_surtidor: 'Isla 1', ...t }],
    por_combustible: [{ tipo_combustible: '95', ...t }],
    por_metodo_pago: [{ metodo_pago: 'tarjeta', ...t }],
    por_operador: [{ operador: 'juan', ...t }],
    conciliacion: null,
    ...overrides,
  };
}

export interface HistoriaTanque {
  id_tanque: number;
  combustible: Tanque['combustible'];
  /** The last reading's time (ms); the history covers the `dias` days before it, read every hour. */
  fin: number;
  dias: number;
  /** Litres lost per hour besides the sales (default 0: a tight tank). */
  fugaLh?: number;
}

/**
 * A tank's hourly readings and the sales drawn from it (150 L in each hour from 06 to 21 h, one
 * sale at the half hour, none at night) over `dias` days, with ±2 L of deterministic probe noise
 * and an optional leak.
 */
export function historiaTanque(o: HistoriaTanque): { lecturas: Lectura[]; ventas: Transaccion[] } {
  const H = 3_600_000;
  const lecturas: Lectura[] = [];
  const ventas: Transaccion[] = [];
  let stock = 25_000;
  const inicio = o.fin - o.dias * 24 * H;
  for (let hora = 0; hora <= o.dias * 24; hora++) {
    const t = inicio + hora * H;
    const x = Math.sin(hora * 12.9898 + o.id_tanque * 78.233) * 43_758.5453;
    const medido = Math.round((stock + 4 * (x - Math.floor(x) - 0.5)) * 10) / 10;
    const iso = new Date(t).toISOString();
    lecturas.push(
      unaLectura({ id_tanque: o.id_tanque, timestamp: iso, recibida: iso, litros: medido, litros_15c: medido }),
    );
    const hh = new Date(t).getUTCHours();
    if (hh >= 6 && hh < 21) {
      const finVenta = new Date(t + H / 2).toISOString();
      ventas.push(
        unaTransaccion({
          tipo_combustible: o.combustible,
          litros: 150,
          fecha_inicio: new Date(t + H / 2 - 120_000).toISOString(),
          fecha_fin: finVenta,
          recibida: finVenta,
        }),
      );
      stock -= 150;
    }
    stock -= o.fugaLh ?? 0;
  }
  return { lecturas, ventas };
}
