/**
 * The company's connection to this station (link 2). The station speaks first with
 * `estacion_info`; with a company token configured, nothing but `autenticacion` is accepted until
 * it succeeds. Price updates are applied in arrival order and only when newer than the one held;
 * one that breaks the prices rule (@combustible/shared) is refused with VERSION_INVALIDA or
 * PRECIO_FUERA_DE_RANGO, audited (`precios.rechazar`) and changes nothing. An update with a
 * future `vigencia` is kept as the scheduled version (in force at that instant by this station's
 * clock); the acknowledgement names the highest version held, in force or scheduled. A
 * `cancelacion_precios` drops the scheduled version and is answered with what was found.
 */
import type { Duplex } from 'node:stream';
import { secretsEqual } from '@combustible/server';
import { type CompanyToStation, companyToStation, isoNow, type StationToCompany, wireError } from '@combustible/shared';
import { LineSession } from '../tcp/line-session.js';
import type { CompanyLink } from './company-link.js';
import { ReportForwarder } from './report-forwarder.js';

/** The accepted company tokens as a list (none: no authentication). */
const expectedTokens = (token: string | readonly string[] | undefined): readonly string[] =>
  token === undefined ? [] : typeof token === 'string' ? [token] : token;

export class CompanySession extends LineSession<CompanyToStation> {
  private authenticated: boolean;
  /** Updates are applied one after the other, in the order they arrived. */
  private updates: Promise<void> = Promise.resolve();
  private readonly authTimer: ReturnType<CompanyLink['clock']['setTimeout']> | undefined;
  /** (ext, issue 15) Reports upstream, once the company subscribes. */
  private readonly reports: ReportForwarder;
  empresa: string | null = null;

  constructor(
    readonly link: CompanyLink,
    stream: Duplex,
    remote: string | null,
  ) {
    super(
      { clock: link.clock, log: link.log, policy: link.options, metrics: link.metrics },
      stream,
      remote,
      companyToStation,
    );
    this.authenticated = expectedTokens(link.options.token).length === 0;
    const { estacion, service } = link;
    const programada = service.prices.programada;
    this.send({
      tipo: 'estacion_info',
      id_estacion: estacion.id,
      nombre: estacion.nombre,
      version_precios: service.prices.current.version,
      ...(programada === null ? {} : { version_programada: programada.version }),
      ultimo_seq: service.journal.ultimo,
    });
    this.reports = new ReportForwarder({
      journal: service.journal,
      store: link.store,
      clock: link.clock,
      log: link.log,
      stream,
      send: (r) => this.send(r),
      options: { ventanaMax: link.options.reportesVentanaMax, porSegundo: link.options.reportesPorSeg },
      metrics: link.reportMetrics,
    });
    if (!this.authenticated) {
      this.authTimer = link.clock.setTimeout(() => {
        if (this.authenticated) return;
        this.refused(null, 'no llegó "autenticacion" a tiempo');
        this.fail(wireError('AUTENTICACION_FALLIDA', 'no llegó "autenticacion" a tiempo'));
      }, link.options.authTimeoutMs);
    }
  }

  override send(message: StationToCompany): void {
    super.send(message);
  }

  protected onClosed(): void {
    this.link.clock.clearTimeout(this.authTimer);
    this.reports.stop();
    this.link.sessionClosed(this);
  }

  protected onMessage(msg: CompanyToStation): void {
    if (msg.tipo === 'autenticacion') {
      this.authenticate(msg.empresa, msg.token);
      return;
    }
    if (!this.authenticated) {
      this.link.log.warn({ remote: this.remote, tipo: msg.tipo }, 'empresa sin autenticar: conexión cerrada');
      this.refused(null, `"${msg.tipo}" antes de "autenticacion"`);
      this.fail(wireError('AUTENTICACION_FALLIDA', `"${msg.tipo}" antes de "autenticacion"`));
      return;
    }
    switch (msg.tipo) {
      case 'actualizacion_precios':
        this.updates = this.updates.then(() => this.applyPrices(msg.version, msg.precios, msg.vigencia));
        return;
      case 'cancelacion_precios':
        this.updates = this.updates.then(() => this.cancelPrices(msg.version));
        return;
      case 'suscripcion_reportes':
        this.link.log.info(
          { ventana: msg.ventana, cursor: this.link.service.journal.cursor },
          'la empresa pide reportes',
        );
        this.reports.subscribe(msg.ventana);
        return;
      case 'reportes_recibidos':
        void this.acknowledged(msg.hasta_seq);
        return;
      case 'ping':
        this.send({ tipo: 'pong', timestamp: isoNow(this.link.clock) });
        return;
      case 'pong':
        return;
      case 'error':
        this.link.log.warn({ codigo: msg.codigo, mensaje: msg.mensaje }, 'la empresa informó un error');
        return;
    }
  }

  private authenticate(empresa: string, token: string): void {
    const expected = expectedTokens(this.link.options.token);
    // Every accepted token is compared (constant time each), whichever matches.
    const matches = expected.map((e) => secretsEqual(token, e));
    if (expected.length > 0 && !matches.includes(true)) {
      this.link.log.warn({ remote: this.remote, empresa }, 'empresa rechazada: token inválido');
      this.refused(empresa, 'token inválido');
      this.fail(wireError('AUTENTICACION_FALLIDA', 'token inválido'));
      return;
    }
    this.authenticated = true;
    this.empresa = empresa;
    this.link.clock.clearTimeout(this.authTimer);
    this.link.log.info({ remote: this.remote, empresa }, 'empresa autenticada');
  }

  /** `reportes_recibidos`: one past what was sent is answered, logged and audited, and changes nothing. */
  private async acknowledged(hasta: number): Promise<void> {
    try {
      const r = await this.reports.ack(hasta);
      if (r.ok) return;
      const mensaje = `reportes_recibidos hasta_seq ${hasta} más allá del último reporte enviado (${r.enviado}): ignorado`;
      this.link.log.warn({ hasta_seq: hasta, enviado: r.enviado, cursor: r.cursor }, mensaje);
      this.link.audit.record({
        usuario: 'empresa',
        rol: null,
        ip: this.remote,
        accion: 'reportes.acusar',
        objetivo: `estacion:${this.link.estacion.id}`,
        resultado: 'denegado',
        detalles: {
          codigo: 'MENSAJE_INVALIDO',
          hasta_seq: hasta,
          enviado: r.enviado,
          cursor: r.cursor,
          ...(this.empresa === null ? {} : { empresa: this.empresa }),
        },
      });
      this.sendError('MENSAJE_INVALIDO', mensaje);
    } catch (err) {
      this.link.log.error({ err, hasta_seq: hasta }, 'reportes: no se pudo guardar el cursor');
      this.sendError('ERROR_INTERNO', 'no se pudo guardar el acuse de reportes; reenvíelo');
    }
  }

  /** A refused authentication, audited in the background (the link never waits on storage). */
  private refused(empresa: string | null, motivo: string): void {
    this.link.audit.record({
      usuario: 'empresa',
      rol: null,
      ip: this.remote,
      accion: 'empresa.autenticacion',
      objetivo: `estacion:${this.link.estacion.id}`,
      resultado: 'denegado',
      detalles: { codigo: 'AUTENTICACION_FALLIDA', motivo, ...(empresa === null ? {} : { empresa }) },
    });
  }

  private async cancelPrices(version: number): Promise<void> {
    try {
      const resultado = await this.link.service.cancelPrices(version);
      const vigente = this.link.service.prices.current.version;
      const what = { version, resultado, vigente };
      if (resultado === 'ya_aplicada') this.link.log.warn(what, 'cancelación de precios de la empresa');
      else this.link.log.info(what, 'cancelación de precios de la empresa');
      this.audit('precios.cancelar', resultado === 'ya_aplicada' ? 'error' : 'ok', { version, resultado, vigente });
      this.send({ tipo: 'cancelacion_recibida', version, resultado, version_precios: vigente });
    } catch (err) {
      this.link.log.error({ err, version }, 'no se pudo cancelar la versión programada');
      this.sendError('ERROR_INTERNO', 'no se pudo cancelar la versión programada; reenvíe la cancelación');
    }
  }

  /** An entry of the company's doing in the audit log (in the background: the link never waits on it). */
  private audit(accion: string, resultado: 'ok' | 'error', detalles: Record<string, unknown>): void {
    this.link.audit.record({
      usuario: 'empresa',
      rol: null,
      ip: this.remote,
      accion,
      objetivo: 'precios',
      resultado,
      detalles: { ...detalles, ...(this.empresa === null ? {} : { empresa: this.empresa }) },
    });
  }

  private async applyPrices(
    version: number,
    precios: Parameters<CompanyLink['service']['applyPrices']>[1],
    vigencia: string | undefined,
  ) {
    try {
      const service = this.link.service;
      const before = service.prices.current.version;
      const programadaAntes = service.prices.programada?.version ?? null;
      const result = await service.receivePrices(version, precios, 'empresa', vigencia);
      if (!result.ok) {
        // The prices rule: nothing applied, the prices held stay; the company is told why.
        const { codigo, mensaje, detalles } = result.rechazo;
        this.link.log.warn({ version, vigente: before, codigo, detalles }, 'precios de la empresa rechazados');
        this.link.audit.record({
          usuario: 'empresa',
          rol: null,
          ip: this.remote,
          accion: 'precios.rechazar',
          objetivo: 'precios',
          resultado: 'denegado',
          detalles: {
            codigo,
            version,
            vigente: before,
            detalles,
            ...(this.empresa === null ? {} : { empresa: this.empresa }),
          },
        });
        this.send(wireError(codigo, mensaje, detalles));
        return;
      }
      const held = result.vigente;
      const programada = service.prices.programada;
      if (programada?.version === version && programadaAntes !== version) {
        this.link.log.info({ version, precios, vigencia }, 'precios programados por la empresa');
        this.audit('precios.programar', 'ok', { version, vigencia, vigente: held.version, precios });
      } else if (held.version === version && version > before) {
        this.link.log.info({ version, precios }, 'precios nuevos de la empresa');
        this.link.audit.record({
          usuario: 'empresa',
          rol: null,
          ip: this.remote,
          accion: 'precios.cambiar',
          objetivo: 'precios',
          resultado: 'ok',
          detalles: { version, anterior: before, precios, ...(this.empresa === null ? {} : { empresa: this.empresa }) },
        });
      } else {
        this.link.log.info(
          { recibida: version, vigente: held.version },
          'versión de precios antigua o repetida: ignorada',
        );
      }
      this.send({ tipo: 'precios_recibidos', version: service.prices.highest });
    } catch (err) {
      this.link.log.error({ err, version }, 'no se pudieron guardar los precios');
      this.sendError('ERROR_INTERNO', 'no se pudieron guardar los precios; reenvíe la actualización');
    }
  }
}
