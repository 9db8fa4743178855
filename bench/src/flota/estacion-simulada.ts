/**
 * One light simulated station of the fleet: what a real station answers on link 2
 * (estacion/src/company/company-session.ts), without storage, pumps or timers of its own. Pure:
 * every call takes the instant (`nowMs`, epoch ms) and returns the lines to write; the shard
 * (shard.ts) owns the sockets and the one shared tick.
 *
 * - accept: `estacion_info` with `ultimo_seq` (the last sale it "stored");
 * - with a token configured, nothing but `autenticacion` until it succeeds (else AUTENTICACION_FALLIDA, close);
 * - `actualizacion_precios`: the prices rule (shared/src/protocol/prices-rule.ts), then applied if
 *   newer, kept as the scheduled version if its `vigencia` is ahead, answered `precios_recibidos`
 *   with the highest version held;
 * - `cancelacion_precios` → `cancelacion_recibida`; `ping` → `pong`;
 * - `suscripcion_reportes {ventana}` → its sales as `reporte` (clase venta), from the acknowledged
 *   seq on, at most `ventana` unacknowledged; `reportes_recibidos {hasta_seq}` moves the cursor.
 *
 * Sales are a function of (station, seq, prices held): nothing is kept per sale, so a backlog of
 * any size costs two integers, and a resend after a reconnect carries the same id.
 */
import {
  COMBUSTIBLES,
  type CompanyToStation,
  encodeMessage,
  METODOS_PAGO,
  type Precios,
  revisarActualizacion,
  revisarVigencia,
  type StationToCompany,
  type VentaReportada,
  wireError,
} from '@combustible/shared';

/** The prices a fresh station sells at (version 0), as the real station's defaults. */
export const PRECIOS_INICIALES: Precios = { precio_93: 1250, precio_95: 1320, precio_97: 1400, precio_diesel: 1050 };

const CAMPO: Record<(typeof COMBUSTIBLES)[number], keyof Precios> = {
  '93': 'precio_93',
  '95': 'precio_95',
  '97': 'precio_97',
  diesel: 'precio_diesel',
};

/** One line to the company. */
const linea = (m: StationToCompany) => encodeMessage(m);

/** Pumps per simulated station (the sales rotate over them). */
const SURTIDORES = 8;
/** Litres per minute of a simulated nozzle (a sale of L litres lasted L / this minutes). */
const CAUDAL_L_MIN = 40;

/** The sale number `seq` of a station, valid and plausible per `ventaReportada`. */
export function ventaSimulada(
  idEstacion: string,
  seq: number,
  precios: Precios,
  version: number,
  nowMs: number,
): VentaReportada {
  const combustible = COMBUSTIBLES[seq % COMBUSTIBLES.length] ?? '95';
  const precio = precios[CAMPO[combustible]];
  // 5.00 … 59.99 L, spread over the seqs.
  const litros = Math.round((5 + ((seq * 7919) % 5500) / 100) * 1000) / 1000;
  const fin = new Date(nowMs).toISOString();
  return {
    id_transaccion: `${idEstacion}-${seq}`,
    id_surtidor: 1 + (seq % SURTIDORES),
    tipo_combustible: combustible,
    litros,
    precio_por_litro: precio,
    monto_total: Math.round(litros * precio),
    metodo_pago: METODOS_PAGO[seq % METODOS_PAGO.length] ?? 'efectivo',
    fecha_inicio: new Date(nowMs - Math.round((litros / CAUDAL_L_MIN) * 60_000)).toISOString(),
    fecha_fin: fin,
    estado: 'completada',
    operador: null,
    version_precios: version,
    id_autorizacion: null,
    recibida: fin,
  };
}

/** One company connection to a simulated station. */
export interface Conexion {
  autenticada: boolean;
  /** When `autenticacion` must have arrived (epoch ms); null when authenticated or not needed. */
  plazoAutenticacion: number | null;
  /** Reports in flight allowed (0: not subscribed). */
  ventana: number;
  /** The highest seq written on this connection. */
  enviadoHasta: number;
  lineasInvalidas: number;
  /** The connection must be closed after writing the answer. */
  cerrar: boolean;
}

export interface OpcionesEstacion {
  /** Company tokens accepted in `autenticacion` (empty: none needed). */
  tokens: readonly string[];
  authTimeoutMs: number;
  maxLineasInvalidas: number;
}

/** What the shard counts over all its stations (summed by the parent). */
export interface Contadores {
  /** Company connections accepted (a reconnection counts again). */
  conexiones: number;
  actualizaciones: number;
  rechazos: number;
  cancelaciones: number;
  reportesEnviados: number;
  reportesConfirmados: number;
  erroresRecibidos: number;
  lineasInvalidas: number;
  autenticacionesFallidas: number;
}

export const contadoresVacios = (): Contadores => ({
  conexiones: 0,
  actualizaciones: 0,
  rechazos: 0,
  cancelaciones: 0,
  reportesEnviados: 0,
  reportesConfirmados: 0,
  erroresRecibidos: 0,
  lineasInvalidas: 0,
  autenticacionesFallidas: 0,
});

export class EstacionSimulada {
  version = 0;
  precios: Precios = PRECIOS_INICIALES;
  programada: { version: number; precios: Precios; vigenciaMs: number } | null = null;
  /** Sales "stored": seq 1 … ultimoSeq. */
  ultimoSeq = 0;
  /** The cursor: every seq up to here was acknowledged by the company. */
  confirmadoHasta = 0;
  /** Fraction of a sale owed by the rate (the shared tick adds to it). */
  credito = 0;

  constructor(
    readonly id: string,
    readonly nombre: string,
    private readonly opciones: OpcionesEstacion,
    private readonly contadores: Contadores,
  ) {}

  /** The highest version held, in force or scheduled (what `precios_recibidos` names). */
  get masAlta(): number {
    return Math.max(this.version, this.programada?.version ?? 0);
  }

  /** A company connected: the connection's state and the greeting. */
  aceptar(nowMs: number): { conexion: Conexion; saludo: string } {
    const necesitaToken = this.opciones.tokens.length > 0;
    this.contadores.conexiones += 1;
    const conexion: Conexion = {
      autenticada: !necesitaToken,
      plazoAutenticacion: necesitaToken ? nowMs + this.opciones.authTimeoutMs : null,
      ventana: 0,
      enviadoHasta: this.confirmadoHasta,
      lineasInvalidas: 0,
      cerrar: false,
    };
    const info: StationToCompany = {
      tipo: 'estacion_info',
      id_estacion: this.id,
      nombre: this.nombre,
      version_precios: this.version,
      ...(this.programada === null ? {} : { version_programada: this.programada.version }),
      ultimo_seq: this.ultimoSeq,
    };
    return { conexion, saludo: linea(info) };
  }

  /** A line that did not parse: the error to answer, and the close after too many. */
  lineaInvalida(c: Conexion, error: StationToCompany): string {
    c.lineasInvalidas += 1;
    this.contadores.lineasInvalidas += 1;
    if (c.lineasInvalidas > this.opciones.maxLineasInvalidas) {
      c.cerrar = true;
      return (
        encodeMessage(error) +
        encodeMessage(wireError('LIMITE_EXCEDIDO', `más de ${this.opciones.maxLineasInvalidas} líneas inválidas`))
      );
    }
    return encodeMessage(error);
  }

  /** One message of the company: the lines to write back ('' for none). */
  recibir(c: Conexion, msg: CompanyToStation, nowMs: number): string {
    if (msg.tipo === 'autenticacion') return this.autenticar(c, msg.token);
    if (!c.autenticada) {
      this.contadores.autenticacionesFallidas += 1;
      c.cerrar = true;
      return encodeMessage(wireError('AUTENTICACION_FALLIDA', `"${msg.tipo}" antes de "autenticacion"`));
    }
    switch (msg.tipo) {
      case 'actualizacion_precios':
        return this.actualizar(msg.version, msg.precios, msg.vigencia, nowMs);
      case 'cancelacion_precios':
        return this.cancelar(msg.version);
      case 'suscripcion_reportes':
        c.ventana = msg.ventana;
        c.enviadoHasta = this.confirmadoHasta;
        return this.reportes(c, nowMs);
      case 'reportes_recibidos':
        return this.confirmados(c, msg.hasta_seq, nowMs);
      case 'ping':
        return linea({ tipo: 'pong', timestamp: new Date(nowMs).toISOString() });
      case 'pong':
        return '';
      case 'error':
        this.contadores.erroresRecibidos += 1;
        return '';
    }
  }

  /** The reports this connection may send now: from its last one, within its window. */
  reportes(c: Conexion, nowMs: number): string {
    if (c.ventana === 0 || !c.autenticada) return '';
    let out = '';
    while (c.enviadoHasta < this.ultimoSeq && c.enviadoHasta - this.confirmadoHasta < c.ventana) {
      c.enviadoHasta += 1;
      const datos = ventaSimulada(this.id, c.enviadoHasta, this.precios, this.version, nowMs);
      out += linea({ tipo: 'reporte', seq: c.enviadoHasta, clase: 'venta', datos });
      this.contadores.reportesEnviados += 1;
    }
    return out;
  }

  /** The shared tick: a due scheduled version comes into force; the rate adds sales. */
  tick(nowMs: number, ventasPorTick: number): void {
    if (this.programada !== null && this.programada.vigenciaMs <= nowMs) {
      this.version = this.programada.version;
      this.precios = this.programada.precios;
      this.programada = null;
    }
    if (ventasPorTick > 0) {
      this.credito += ventasPorTick;
      const n = Math.floor(this.credito);
      this.credito -= n;
      this.ultimoSeq += n;
    }
  }

  private autenticar(c: Conexion, token: string): string {
    const { tokens } = this.opciones;
    if (tokens.length > 0 && !tokens.includes(token)) {
      this.contadores.autenticacionesFallidas += 1;
      c.cerrar = true;
      return encodeMessage(wireError('AUTENTICACION_FALLIDA', 'token inválido'));
    }
    c.autenticada = true;
    c.plazoAutenticacion = null;
    return '';
  }

  private actualizar(version: number, precios: Precios, vigencia: string | undefined, nowMs: number): string {
    this.contadores.actualizaciones += 1;
    const rechazo = revisarActualizacion(this.masAlta, version, precios) ?? revisarVigencia(vigencia, nowMs);
    if (rechazo !== null) {
      this.contadores.rechazos += 1;
      return encodeMessage(wireError(rechazo.codigo, rechazo.mensaje, rechazo.detalles));
    }
    const vigenciaMs = vigencia === undefined ? Number.NaN : Date.parse(vigencia);
    if (vigenciaMs > nowMs) {
      // Scheduled: a newer one replaces the scheduled one; an older one than held changes nothing.
      if (version > this.masAlta) this.programada = { version, precios, vigenciaMs };
    } else if (version > this.version) {
      this.version = version;
      this.precios = precios;
      if (this.programada !== null && this.programada.version <= version) this.programada = null;
    }
    return linea({ tipo: 'precios_recibidos', version: this.masAlta });
  }

  private cancelar(version: number): string {
    this.contadores.cancelaciones += 1;
    let resultado: 'cancelada' | 'ya_aplicada' | 'desconocida' = 'desconocida';
    if (this.programada?.version === version) {
      this.programada = null;
      resultado = 'cancelada';
    } else if (this.version === version) {
      resultado = 'ya_aplicada';
    }
    return linea({ tipo: 'cancelacion_recibida', version, resultado, version_precios: this.version });
  }

  private confirmados(c: Conexion, hasta: number, nowMs: number): string {
    // Only what was sent can be acknowledged; an old ack moves nothing.
    const hastaValido = Math.min(hasta, c.enviadoHasta, this.ultimoSeq);
    if (hastaValido > this.confirmadoHasta) {
      this.contadores.reportesConfirmados += hastaValido - this.confirmadoHasta;
      this.confirmadoHasta = hastaValido;
    }
    return this.reportes(c, nowMs);
  }
}
