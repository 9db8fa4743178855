/**
 * A realistic network for the company page's network view, in the shapes of GET /api/red,
 * /api/resumen, /api/ventas and /api/estaciones/:id (issue 15): 20 stations (one without pumps,
 * one down for days, one reconnecting, one behind on prices, one that does not report, two
 * replicas), 14 days of sales by fuel with a day without sales, and 137 sales to page through.
 * Everything is derived from `ahora`, so relative times and "today" hold whenever the test runs.
 */
import type { EstacionDetalle, EstacionRed, Red, Resumen, Totales, VentaRed } from '../../empresa/web/src/types.js';

export const ZONA = 'America/Santiago';
export const VIGENTE = 7;
const COMBUSTIBLES = ['93', '95', '97', 'diesel'] as const;
type Combustible = (typeof COMBUSTIBLES)[number];

const PRECIO: Record<Combustible, number> = { '93': 1290, '95': 1350, '97': 1420, diesel: 990 };
const NOMBRES = [
  'Centro',
  'Alameda',
  'Providencia',
  'Las Condes',
  'Maipú',
  'Puente Alto',
  'La Florida',
  'Ñuñoa',
  'Quilicura',
  'San Bernardo',
  'Valparaíso Puerto',
  'Viña del Mar',
  'Rancagua Norte',
  'Talca',
  'Concepción',
  'Temuco',
  'Puerto Montt',
  'Antofagasta Costanera',
  'La Serena',
  'Arica',
];

/** The day of `ms` in ZONA, 'YYYY-MM-DD'. */
export function diaEnZona(ms: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONA }).format(new Date(ms));
}
const sumarDias = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const redondear = (n: number) => Math.round(n * 1000) / 1000;

export type EstacionFixture = EstacionRed;

export function estacionesFixture(ahora: number, replicas = true): EstacionFixture[] {
  return NOMBRES.map((n, i) => {
    const id = `est-${String(i + 1).padStart(2, '0')}`;
    const total = i === 4 ? 0 : 2 + (i % 7);
    const alDia = i === 2 ? total - 2 : i === 9 ? 0 : total;
    const trans = i === 4 || i === 7 ? 0 : 40 + ((i * 37) % 180);
    const lit = redondear(trans * (28.5 + (i % 5) * 3.17));
    const caida = i === 7;
    const alertas =
      i === 3
        ? { total: 3, critica: 1, advertencia: 2, info: 0 }
        : i === 12
          ? { total: 1, critica: 0, advertencia: 0, info: 1 }
          : i === 7
            ? { total: 2, critica: 2, advertencia: 0, info: 0 }
            : { total: 0, critica: 0, advertencia: 0, info: 0 };
    const ultimo = 1000 + i * 311;
    const pendientes = i === 7 ? 842 : i === 15 ? 3 : 0;
    return {
      id_estacion: id,
      nombre: `Estación ${n}`,
      conectada: !caida && i !== 11,
      // Station 17's link is another replica's: no link state in this process.
      estado: caida ? 'desconectado' : i === 11 ? 'conectando' : i === 16 ? null : 'sincronizado',
      ultimo_contacto: new Date(
        ahora - (caida ? 3 * 86_400_000 + 7_200_000 : i === 11 ? 95_000 : 2000 + i * 500),
      ).toISOString(),
      version_confirmada: i === 9 ? VIGENTE - 2 : caida ? VIGENTE - 1 : VIGENTE,
      surtidores: { total, al_dia: alDia },
      ventas_hoy: { transacciones: trans, litros: lit, monto: Math.round(lit * 1290) },
      alertas_abiertas: alertas,
      reportes:
        i === 18
          ? { ultimo_seq_recibido: 0, ultimo_seq_estacion: null, pendientes: null, rechazados: 0, conflictos: 0 }
          : {
              ultimo_seq_recibido: ultimo - pendientes,
              ultimo_seq_estacion: ultimo,
              pendientes,
              rechazados: i === 15 ? 2 : 0,
              conflictos: 0,
            },
      propietario: replicas ? (i % 2 === 0 ? 'empresa-a' : 'empresa-b') : null,
    };
  });
}

export function redFixture(ahora: number, estaciones = estacionesFixture(ahora)): Red {
  const suma = (f: (e: EstacionFixture) => number) => estaciones.reduce((a, e) => a + f(e), 0);
  return {
    generado: new Date(ahora).toISOString(),
    version_vigente: VIGENTE,
    zona_horaria: ZONA,
    totales: {
      estaciones: estaciones.length,
      conectadas: suma((e) => Number(e.conectada)),
      surtidores: suma((e) => e.surtidores.total),
      surtidores_al_dia: suma((e) => e.surtidores.al_dia),
      ventas_hoy: {
        transacciones: suma((e) => e.ventas_hoy.transacciones),
        litros: redondear(suma((e) => e.ventas_hoy.litros)),
        monto: suma((e) => e.ventas_hoy.monto),
      },
      alertas_abiertas: suma((e) => e.alertas_abiertas.total),
    },
    estaciones,
  };
}

/** 14 days of sales by fuel; `sinVentas` days (0 = today, 1 = yesterday...) have none. */
export function resumenFixture(ahora: number, sinVentas: number[] = [5]): Resumen {
  const hoy = diaEnZona(ahora);
  const por_dia: (Totales & { fecha: string; tipo_combustible: Combustible })[] = [];
  for (let k = 13; k >= 0; k--) {
    if (sinVentas.includes(k)) continue;
    const fecha = sumarDias(hoy, -k);
    COMBUSTIBLES.forEach((c, j) => {
      // Diesel not sold on weekends (day 2 and 9 back), 97 the smallest share.
      if (c === 'diesel' && (k === 2 || k === 9)) return;
      const transacciones = Math.round(
        (c === '97' ? 60 : 220 + 40 * j) * (1 + 0.3 * Math.sin(k + j)) * (k === 0 ? 0.4 : 1),
      );
      const litros = redondear(transacciones * (c === 'diesel' ? 61.3 : 31.7));
      por_dia.push({ fecha, tipo_combustible: c, transacciones, litros, monto: Math.round(litros * PRECIO[c]) });
    });
  }
  const total = (filas: Totales[]): Totales => ({
    transacciones: filas.reduce((a, f) => a + f.transacciones, 0),
    litros: redondear(filas.reduce((a, f) => a + f.litros, 0)),
    monto: filas.reduce((a, f) => a + f.monto, 0),
  });
  return {
    desde: `${sumarDias(hoy, -13)}T03:00:00.000Z`,
    hasta: new Date(ahora).toISOString(),
    zona_horaria: ZONA,
    total: total(por_dia),
    por_estacion: [],
    por_combustible: COMBUSTIBLES.map((c) => ({
      tipo_combustible: c,
      ...total(por_dia.filter((f) => f.tipo_combustible === c)),
    })),
    por_dia,
  };
}

export type VentaFixture = VentaRed;

/** `n` sales, newest first, every 7 minutes back from `ahora`. */
export function ventasFixture(ahora: number, n = 137): VentaFixture[] {
  return Array.from({ length: n }, (_, i) => {
    const c = COMBUSTIBLES[i % 4]!;
    const litros = redondear(12 + ((i * 7.31) % 48));
    const fin = ahora - i * 7 * 60_000;
    const est = `est-${String((i % 20) + 1).padStart(2, '0')}`;
    return {
      id_estacion: est,
      seq: 5000 - i,
      id_transaccion: `t-${5000 - i}`,
      id_surtidor: 1 + (i % 6),
      tipo_combustible: c,
      litros,
      precio_por_litro: PRECIO[c],
      monto_total: Math.round(litros * PRECIO[c]),
      metodo_pago: (['efectivo', 'tarjeta', 'transferencia'] as const)[i % 3]!,
      fecha_inicio: new Date(fin - 150_000).toISOString(),
      fecha_fin: new Date(fin).toISOString(),
      estado: i === 4 ? 'cancelada' : 'completada',
      operador: null,
      version_precios: VIGENTE,
      id_autorizacion: null,
      recibida: new Date(fin + 200).toISOString(),
      recibida_empresa: new Date(fin + 1500).toISOString(),
    };
  });
}

/** GET /api/estaciones/:id of a fixture station: its pumps (with versions) and open alerts. */
export function detalleFixture(e: EstacionFixture, ahora: number): EstacionDetalle {
  const surtidores = Array.from({ length: e.surtidores.total }, (_, k) => ({
    id_surtidor: k + 1,
    nombre: k === 0 ? 'Isla 1 (norte)' : null,
    version_precios: k < e.surtidores.al_dia ? VIGENTE : VIGENTE - 1,
    conectado: e.conectada && k !== 1,
    actualizado: new Date(ahora - (k + 1) * 60_000).toISOString(),
  }));
  const alertas = [
    ...Array.from({ length: e.alertas_abiertas.critica }, (_, k) => ({
      id: `${e.id_estacion}-c${k}`,
      codigo: k === 0 ? 'FUGA_SOSPECHADA' : 'SURTIDOR_SIN_RESPUESTA',
      severidad: 'critica' as const,
      mensaje: k === 0 ? 'Tanque 2: la varianza acumulada supera 0,5 % de lo vendido' : 'El surtidor 3 no responde',
      id_surtidor: k === 0 ? null : 3,
      creada: new Date(ahora - 3_600_000 * (k + 1)).toISOString(),
      resuelta: null,
    })),
    ...Array.from({ length: e.alertas_abiertas.advertencia }, (_, k) => ({
      id: `${e.id_estacion}-a${k}`,
      codigo: 'TANQUE_NIVEL_BAJO',
      severidad: 'advertencia' as const,
      mensaje: `Tanque ${k + 1}: quedan 1.850 L (nivel bajo: 2.000 L)`,
      id_surtidor: null,
      creada: new Date(ahora - 600_000 * (k + 1)).toISOString(),
      resuelta: null,
    })),
    ...Array.from({ length: e.alertas_abiertas.info }, (_, k) => ({
      id: `${e.id_estacion}-i${k}`,
      codigo: 'CIERRE_PENDIENTE',
      severidad: 'info' as const,
      mensaje: 'El día anterior no se ha cerrado',
      id_surtidor: null,
      creada: new Date(ahora - 7_200_000).toISOString(),
      resuelta: null,
    })),
  ];
  return {
    id_estacion: e.id_estacion,
    nombre: e.nombre,
    host: '10.0.0.1',
    puerto: 5001,
    ultimo_contacto: e.ultimo_contacto,
    version_confirmada: e.version_confirmada,
    al_dia: e.version_confirmada === VIGENTE,
    programada_recibida: null,
    ultimo_error: e.conectada ? null : 'connect ECONNREFUSED 10.0.0.1:5001',
    enlace: e.estado === null ? null : { estado: e.estado, anomalia: null },
    surtidores,
    alertas_abiertas: alertas,
    reportes: e.reportes,
  };
}
