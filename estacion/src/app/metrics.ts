/**
 * Prometheus metrics for the station (served at GET /metrics). The hub reports through the
 * HubMetrics interface; commit latency comes from the group committer; WS clients from the bridge.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { ESTADOS_PLAYA, type ResultadoPlaya } from '../hub/forecourt.js';
import type { HubMetrics } from '../hub/pump-hub.js';
import type { StationBus } from './events.js';
import type { ConciliacionMetrics } from './conciliacion-service.js';
import type { TankMetrics } from './tank-service.js';
import type { ReportMetrics } from '../company/report-forwarder.js';
import type { ReportJournal } from './report-journal.js';

export class StationMetrics implements HubMetrics, TankMetrics, ConciliacionMetrics, ReportMetrics {
  readonly registry = new Registry();
  private readonly reportesEnviados = new Counter({
    name: 'estacion_reportes_enviados_total',
    help: '(ext, issue 15) Reports sent to the company (a resend after a cut counts again)',
    registers: [this.registry],
  });
  private readonly reportesAcusados = new Counter({
    name: 'estacion_reportes_acusados_total',
    help: '(ext, issue 15) Reports the company acknowledged (the cursor moved past them)',
    registers: [this.registry],
  });
  private readonly reportesEsperas = new Counter({
    name: 'estacion_reportes_esperas_limite_total',
    help: '(ext, issue 15) Times sending reports waited for --reportes-por-seg',
    registers: [this.registry],
  });

  reportSent(): void {
    this.reportesEnviados.inc();
  }

  reportsAcked(n: number): void {
    this.reportesAcusados.inc(n);
  }

  reportRateLimited(): void {
    this.reportesEsperas.inc();
  }

  /** The journal's backlog (written, not acknowledged) and positions, read when /metrics is. */
  watchReports(journal: Pick<ReportJournal, 'pendientes' | 'ultimo' | 'cursor'>): void {
    new Gauge({
      name: 'estacion_reportes_pendientes',
      help: '(ext, issue 15) Reports written and not acknowledged by the company (ultimo_seq − cursor)',
      registers: [this.registry],
      collect() {
        this.set(journal.pendientes);
      },
    });
    new Gauge({
      name: 'estacion_reportes_ultimo_seq',
      help: '(ext, issue 15) The last journal position written',
      registers: [this.registry],
      collect() {
        this.set(journal.ultimo);
      },
    });
  }
  private readonly tanquesGauge = new Gauge({
    name: 'estacion_tanques',
    help: '(ext) Tanks configured; bounded by --max-tanques',
    registers: [this.registry],
  });
  private readonly medidoresGauge = new Gauge({
    name: 'estacion_medidores_conectados',
    help: '(ext) Tank gauges connected; distinct gauges bounded by --max-medidores',
    registers: [this.registry],
  });
  private readonly lecturasTanque = new Counter({
    name: 'estacion_lecturas_tanque_total',
    help: '(ext) Tank readings, by result (almacenada, observada: stored with an observation, rechazada)',
    labelNames: ['resultado'] as const,
    registers: [this.registry],
  });
  private readonly descargas = new Counter({
    name: 'estacion_descargas_total',
    help: '(ext) Deliveries detected from the tank readings',
    registers: [this.registry],
  });

  tanks(count: number): void {
    this.tanquesGauge.set(count);
  }

  gauges(count: number): void {
    this.medidoresGauge.set(count);
  }

  reading(resultado: 'almacenada' | 'observada' | 'rechazada'): void {
    this.lecturasTanque.inc({ resultado });
  }

  delivery(): void {
    this.descargas.inc();
  }

  private readonly conciliaciones = new Counter({
    name: 'estacion_conciliaciones_total',
    help:
      '(ext) Tanks reconciled (origen: api, detector); truncada="si" when the bounds on the rows read ' +
      '(readings, sales, deliveries) left some out',
    labelNames: ['origen', 'truncada'] as const,
    registers: [this.registry],
  });

  conciliacion(origen: 'api' | 'detector', truncada: boolean): void {
    this.conciliaciones.inc({ origen, truncada: truncada ? 'si' : 'no' });
  }

  private readonly conexiones = new Gauge({
    name: 'estacion_conexiones_surtidores',
    help: 'Open pump connections (registered or not)',
    registers: [this.registry],
  });
  /**
   * Valid messages by tipo, counted here (a Map) and handed to prom-client when /metrics is read:
   * message() runs for every line a pump sends, and prom-client hashes the labels on every inc().
   */
  private readonly mensajesPorTipo = new Map<string, number>();
  private readonly mensajesPublicados = new Map<string, number>();
  private readonly mensajes = new Counter({
    name: 'estacion_mensajes_total',
    help: 'Valid messages received from pumps, by tipo',
    labelNames: ['tipo'] as const,
    registers: [this.registry],
    collect: () => this.publishMessages(),
  });
  private readonly lineasInvalidas = new Counter({
    name: 'estacion_lineas_invalidas_total',
    help: 'Rejected lines from pumps, by error code',
    labelNames: ['codigo'] as const,
    registers: [this.registry],
  });
  readonly transacciones = new Counter({
    name: 'estacion_transacciones_total',
    help: 'Transactions stored (new, not duplicates)',
    registers: [this.registry],
  });
  readonly conflictos = new Counter({
    name: 'estacion_transacciones_en_conflicto_total',
    help: 'Sales received with the id of a stored sale but different content (kept in conflictos, the original untouched)',
    registers: [this.registry],
  });
  readonly commitLatencia = new Histogram({
    name: 'estacion_commit_segundos',
    help: 'Duration of one group commit of transactions',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly commitLote = new Histogram({
    name: 'estacion_commit_lote_transacciones',
    help: 'Transactions per group commit',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });
  readonly clientesWs = new Gauge({
    name: 'estacion_clientes_ws',
    help: 'Connected WebSocket (dashboard) clients',
    registers: [this.registry],
  });
  private readonly tlsExpira = new Gauge({
    name: 'estacion_tls_certificado_expira_segundos',
    help: 'Expiry (unix seconds) of the TLS certificate in use on the pump and company ports, by sha256 fingerprint',
    labelNames: ['huella'] as const,
    registers: [this.registry],
  });
  private readonly conexionesEmpresa = new Gauge({
    name: 'estacion_conexiones_empresa',
    help: 'Open connections on the company port',
    registers: [this.registry],
  });
  private readonly conexionesRechazadas = new Counter({
    name: 'estacion_conexiones_rechazadas_total',
    help: 'TCP connections refused because the port was at its limit (--max-connections, --max-company-connections)',
    labelNames: ['puerto'] as const,
    registers: [this.registry],
  });
  private readonly registrosRechazados = new Counter({
    name: 'estacion_registros_rechazados_total',
    help: 'registro refused, by code (LIMITE_EXCEDIDO: --max-pumps reached or too many failed registrations from the address; AUTENTICACION_FALLIDA; SURTIDOR_NO_CONFIGURADO)',
    labelNames: ['codigo'] as const,
    registers: [this.registry],
  });
  private readonly limitadorRegistro = new Gauge({
    name: 'estacion_registro_limitador_direcciones',
    help: 'Addresses with failed registrations the limiter tracks (bounded; past it the oldest is forgotten)',
    registers: [this.registry],
  });
  private readonly limitadorRegistroOlvidadas = new Gauge({
    name: 'estacion_registro_limitador_olvidadas',
    help: 'Addresses the failed-registration limiter forgot because its table was full',
    registers: [this.registry],
  });
  private readonly admisionRegistros = new Counter({
    name: 'estacion_registros_admision_total',
    help: 'registro through the admission (--registration-rate): admitido, or diferido (registro_rechazado SOBRECARGA with reintentar_ms)',
    labelNames: ['resultado'] as const,
    registers: [this.registry],
  });
  private readonly registrosEnEspera = new Gauge({
    name: 'estacion_registros_en_espera',
    help: 'Pumps told to come back later (deferred registrations holding a slot)',
    registers: [this.registry],
  });
  private readonly clientesWsRechazados = new Counter({
    name: 'estacion_clientes_ws_rechazados_total',
    help: 'WebSocket clients refused, by reason (limite: --max-ws-clients; origen: Origin not allowed; sesion: no valid session)',
    labelNames: ['motivo'] as const,
    registers: [this.registry],
  });
  /** (ext) Where the open authorizations are counted; read when /metrics is scraped. */
  private openAuthorizations: () => number = () => 0;
  private readonly autorizacionesAbiertas: Gauge = new Gauge({
    name: 'estacion_autorizaciones_abiertas',
    help: 'Open prepaid authorizations (emitida or despachando); bounded by --max-open-authorizations',
    registers: [this.registry],
    collect: () => this.autorizacionesAbiertas.set(this.openAuthorizations()),
  });
  /** Where the CSV exports in course are counted; read when /metrics is scraped. */
  private exportsInCourse: () => number = () => 0;
  private readonly exportacionesActivas: Gauge = new Gauge({
    name: 'estacion_exportaciones_activas',
    help: 'CSV exports being downloaded; bounded by --max-exports',
    registers: [this.registry],
    collect: () => this.exportacionesActivas.set(this.exportsInCourse()),
  });
  readonly exportaciones = new Counter({
    name: 'estacion_exportaciones_total',
    help: 'CSV exports, by list and result (completa, interrumpida, rechazada: --max-exports reached)',
    labelNames: ['lista', 'resultado'] as const,
    registers: [this.registry],
  });
  readonly exportacionFilas = new Counter({
    name: 'estacion_exportacion_filas_total',
    help: 'Rows sent in CSV exports, by list',
    labelNames: ['lista'] as const,
    registers: [this.registry],
  });
  readonly autorizaciones = new Counter({
    name: 'estacion_autorizaciones_total',
    help: 'Prepaid authorization state changes, by the state reached',
    labelNames: ['estado'] as const,
    registers: [this.registry],
  });
  private readonly comandoPlaya = new Histogram({
    name: 'estacion_comando_playa_segundos',
    help: 'Duration of one command for the whole forecourt (POST /api/surtidores/comando): first send to the answer',
    labelNames: ['comando'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly comandoPlayaSurtidores = new Counter({
    name: 'estacion_comando_playa_surtidores_total',
    help: 'Pumps of the forecourt commands, by outcome (ejecutado, sin_respuesta: no answer by the deadline, no_conectado)',
    labelNames: ['estado'] as const,
    registers: [this.registry],
  });
  readonly alertas = new Counter({
    name: 'estacion_alertas_total',
    help: 'Alerts raised or resolved, by code',
    labelNames: ['codigo'] as const,
    registers: [this.registry],
  });

  constructor(bus: StationBus) {
    collectDefaultMetrics({ register: this.registry, prefix: 'estacion_' });
    bus.on('transaccion', () => this.transacciones.inc());
    bus.on('conflicto', () => this.conflictos.inc());
    bus.on('alerta', (a) => this.alertas.inc({ codigo: a.codigo }));
    bus.on('autorizacion', (a) => this.autorizaciones.inc({ estado: a.estado }));
  }

  /** (ext) Where the open authorizations are counted (the gauge reads it on every scrape). */
  watchAuthorizations(openCount: () => number): void {
    this.openAuthorizations = openCount;
  }

  /** Where the CSV exports in course are counted (the gauge reads it on every scrape). */
  watchExports(inCourse: () => number): void {
    this.exportsInCourse = inCourse;
  }

  /** One child per code, looked up once. */
  private readonly invalidasPorCodigo = new Map<string, { inc(): void }>();

  message(tipo: string): void {
    this.mensajesPorTipo.set(tipo, (this.mensajesPorTipo.get(tipo) ?? 0) + 1);
  }

  /** What message() counted since the last read goes into the prom-client counter. */
  private publishMessages(): void {
    for (const [tipo, n] of this.mensajesPorTipo) {
      const delta = n - (this.mensajesPublicados.get(tipo) ?? 0);
      if (delta > 0) {
        this.mensajes.inc({ tipo }, delta);
        this.mensajesPublicados.set(tipo, n);
      }
    }
  }

  badLine(codigo: string): void {
    let child = this.invalidasPorCodigo.get(codigo);
    if (!child) {
      child = this.lineasInvalidas.labels({ codigo });
      this.invalidasPorCodigo.set(codigo, child);
    }
    child.inc();
  }

  connections(count: number): void {
    this.conexiones.set(count);
  }

  /** A connection refused at a port's limit; `puerto` is `surtidores` or `empresa`. */
  /** The TLS certificate in use (only the current one is exported). */
  tlsCertificate(huella: string, expiraMs: number): void {
    this.tlsExpira.reset();
    this.tlsExpira.set({ huella }, Math.floor(expiraMs / 1000));
  }

  connectionRefused(puerto: 'surtidores' | 'empresa'): void {
    this.conexionesRechazadas.inc({ puerto });
  }

  companyConnections(count: number): void {
    this.conexionesEmpresa.set(count);
  }

  registrationRefused(codigo: string): void {
    this.registrosRechazados.inc({ codigo });
  }

  registrationLimiter(tracked: number, evicted: number): void {
    this.limitadorRegistro.set(tracked);
    this.limitadorRegistroOlvidadas.set(evicted);
  }

  registrationAdmission(resultado: 'admitido' | 'diferido', waiting: number): void {
    this.admisionRegistros.inc({ resultado });
    this.registrosEnEspera.set(waiting);
  }

  wsClientRefused(motivo: 'limite' | 'origen' | 'sesion'): void {
    this.clientesWsRechazados.inc({ motivo });
  }

  forecourtCommand(r: ResultadoPlaya): void {
    this.comandoPlaya.observe({ comando: r.comando }, r.ms / 1000);
    for (const estado of ESTADOS_PLAYA) this.comandoPlayaSurtidores.inc({ estado }, r.totales[estado]);
  }

  commitBatch(size: number, ms: number): void {
    this.commitLote.observe(size);
    this.commitLatencia.observe(ms / 1000);
  }
}
