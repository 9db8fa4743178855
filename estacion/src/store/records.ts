/**
 * Copies of the domain records with exactly the port's fields, so that whatever an adapter stores
 * or reads (driver `_id`, internal columns, stray properties) never leaks through the port. Adding a
 * field to a record type makes these fail to compile until the field is stored too.
 */
import type { Alerta, EstadoSurtidor, Surtidor, Transaccion, VersionPrecios } from '../domain/types.js';

export function pickSurtidor(p: Surtidor): Surtidor {
  return {
    id_surtidor: p.id_surtidor,
    nombre: p.nombre,
    combustibles_soportados: [...p.combustibles_soportados],
    combustible_actual: p.combustible_actual,
    configuracion: {
      capacidad_maxima_litros: p.configuracion.capacidad_maxima_litros,
      velocidad_despacho: p.configuracion.velocidad_despacho,
    },
    fecha_creacion: p.fecha_creacion,
    fecha_actualizacion: p.fecha_actualizacion,
    ultima_conexion: p.ultima_conexion,
    ip: p.ip,
    version: p.version,
  };
}

export function pickEstado(s: EstadoSurtidor): EstadoSurtidor {
  return {
    id_surtidor: s.id_surtidor,
    estado_conexion: s.estado_conexion,
    estado_operacion: s.estado_operacion,
    litros_actuales: s.litros_actuales,
    monto_actual: s.monto_actual,
    tipo_combustible: s.tipo_combustible,
    precio_por_litro: s.precio_por_litro,
    version_precios: s.version_precios,
    desfase_reloj_ms: s.desfase_reloj_ms,
    timestamp: s.timestamp,
    ultima_actividad: s.ultima_actividad,
    // Snapshots stored before pausado_por existed have none.
    pausado_por: s.pausado_por
      ? {
          usuario: s.pausado_por.usuario,
          comando: s.pausado_por.comando,
          razon: s.pausado_por.razon,
          fecha: s.pausado_por.fecha,
        }
      : null,
  };
}

export function pickTransaccion(t: Transaccion): Transaccion {
  return {
    id_transaccion: t.id_transaccion,
    id_derivado: t.id_derivado,
    id_surtidor: t.id_surtidor,
    nombre_surtidor: t.nombre_surtidor,
    tipo_combustible: t.tipo_combustible,
    litros: t.litros,
    precio_por_litro: t.precio_por_litro,
    monto_total: t.monto_total,
    metodo_pago: t.metodo_pago,
    fecha_inicio: t.fecha_inicio,
    fecha_fin: t.fecha_fin,
    estado: t.estado,
    operador: t.operador,
    secuencia: t.secuencia,
    version_precios: t.version_precios,
    totalizador_inicio: t.totalizador_inicio,
    totalizador_fin: t.totalizador_fin,
    observaciones: [...t.observaciones],
    detalles: {
      duracion_segundos: t.detalles.duracion_segundos,
      velocidad_promedio: t.detalles.velocidad_promedio,
    },
    recibida: t.recibida,
  };
}

export function pickAlerta(a: Alerta): Alerta {
  return {
    id: a.id,
    clave: a.clave,
    codigo: a.codigo,
    mensaje: a.mensaje,
    severidad: a.severidad,
    id_surtidor: a.id_surtidor,
    creada: a.creada,
    resuelta: a.resuelta,
    datos: a.datos,
  };
}

export function pickVersionPrecios(v: VersionPrecios): VersionPrecios {
  return {
    version: v.version,
    precios: {
      precio_93: v.precios.precio_93,
      precio_95: v.precios.precio_95,
      precio_97: v.precios.precio_97,
      precio_diesel: v.precios.precio_diesel,
    },
    actualizado: v.actualizado,
    origen: v.origen,
  };
}
