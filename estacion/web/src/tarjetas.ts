/**
 * The pump grid, drawn with lit-html: one card per pump, keyed by its id (`repeat`), so an update
 * changes the card's text, classes and buttons in place instead of building a new card. The
 * buttons' state comes only from what is passed in, including the commands still waiting for an
 * answer: a button whose command is in flight stays disabled whatever `estado` events arrive
 * meanwhile, and the operator cannot send the same command twice.
 *
 * Keep the text inside elements on one line in the templates below: a line break there would be
 * text on the card (and in the tests' textContent).
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { repeat } from 'lit-html/directives/repeat.js';
import { fmtHora, fmtLitros, fmtPesos, NOMBRE_COMBUSTIBLE } from './format.js';
import type { Autorizacion, EstadoSurtidor, LimiteAutorizacion, Surtidor } from './types.js';

/**
 * The commands the dashboard sends: POST /api/surtidores/:id/comando, and (ext) `autorizar` /
 * `cancelar_autorizacion`, POST and DELETE /api/surtidores/:id/autorizacion.
 */
export type Comando = 'pausar' | 'reanudar' | 'detener_emergencia' | 'autorizar' | 'cancelar_autorizacion';

/** What the grid shows besides the pumps themselves. */
export interface VistaGrilla {
  /** The pumps to show, in the order to show them. */
  surtidores: readonly Surtidor[];
  /** The station's price version (a pump on another one says "pendiente"). */
  versionPrecios: number | undefined;
  /** The session may pause and resume (operador). */
  puedeOperar: boolean;
  /** The session may stop a pump in an emergency (supervisor). */
  puedeDetener: boolean;
  /** Whether this command was sent to this pump and its answer has not arrived yet. */
  enCurso: (id: number, comando: Comando) => boolean;
  /** The operator pressed a command's button. */
  pedir: (id: number, comando: Comando) => void;
  /** The text when there are no cards. */
  vacio: string;
  /** (ext) The pump's last known authorization (open, or the last one closed while watching). */
  autorizacion: (id: number) => Autorizacion | undefined;
}

/** What a button says while its command waits for the pump's answer. */
const EN_CURSO: Record<Comando, string> = {
  pausar: 'Pausando…',
  reanudar: 'Reanudando…',
  detener_emergencia: 'Deteniendo…',
  autorizar: 'Autorizando…',
  cancelar_autorizacion: 'Cancelando…',
};

/** What the state badge says (the state's own name, in plain words). */
const ETIQUETA_ESTADO: Record<string, string> = {
  esperando_autorizacion: 'esperando autorización',
};

/** Pumps waiting for an authorization first (someone is standing at them), then by id. */
export function ordenGrilla(a: Surtidor, b: Surtidor): number {
  const espera = (s: Surtidor) => (estadoDe(s) === 'esperando_autorizacion' ? 0 : 1);
  return espera(a) - espera(b) || a.id_surtidor - b.id_surtidor;
}

/** "Monto $10.000", "Litros 20,00 L", "Lleno". */
export function describirLimite(l: LimiteAutorizacion): string {
  switch (l.tipo) {
    case 'monto':
      return `Monto ${fmtPesos(l.valor)}`;
    case 'litros':
      return `Litros ${fmtLitros(l.valor)}`;
    case 'lleno':
      return 'Lleno';
  }
}

const ESTADO_AUTORIZACION: Record<Autorizacion['estado'], string> = {
  emitida: 'autorizada, esperando que despache',
  despachando: 'despachando',
  completada: 'completada',
  cancelada: 'cancelada',
  expirada: 'expirada (no despachó a tiempo)',
  rechazada: 'rechazada por el surtidor',
};

/** "despachando", or the connection's state when the pump is not connected. */
export function estadoDe(s: Surtidor): string {
  const e = s.estado_actual;
  if (e?.estado_conexion !== 'conectado') return e?.estado_conexion ?? s.estado_conexion;
  return e.estado_operacion;
}

/** Grids lit-html already draws into. */
const montadas = new WeakSet<HTMLElement>();

/** Draws the grid into `grid`, reusing the cards (and their buttons) already there. */
export function renderGrilla(grid: HTMLElement, vista: VistaGrilla): void {
  // The page's placeholder text goes the first time; from then on lit-html owns the grid.
  if (!montadas.has(grid)) {
    grid.replaceChildren();
    montadas.add(grid);
  }
  render(
    vista.surtidores.length > 0
      ? repeat(
          vista.surtidores,
          (s) => s.id_surtidor,
          (s) => tarjeta(s, vista),
        )
      : html`<p class="vacio">${vista.vacio}</p>`,
    grid,
  );
}

function tarjeta(s: Surtidor, vista: VistaGrilla): TemplateResult {
  const e = s.estado_actual;
  const estado = estadoDe(s);
  const combustible = NOMBRE_COMBUSTIBLE[e?.tipo_combustible ?? s.combustible_actual ?? ''] ?? '—';
  const prepago = s.modo_autorizacion === 'prepago';
  return html`<article class="tarjeta ${estado}" data-surtidor=${s.id_surtidor} data-modo=${s.modo_autorizacion ?? 'postpago'}>
    <header><h3>${s.id_surtidor} · ${s.nombre}</h3><span class="estado ${estado}">${ETIQUETA_ESTADO[estado] ?? estado}</span></header>
    <div class="medidor"><strong class="litros">${fmtLitros(e?.litros_actuales ?? 0)}</strong><strong class="monto">${fmtPesos(e?.monto_actual ?? 0)}</strong></div>
    <div class="detalle"><span class="modo ${prepago ? 'prepago' : 'postpago'}" title=${prepago ? 'Cada venta necesita una autorización de la estación' : 'Despacha al levantar la pistola; se paga después'}>${prepago ? 'Prepago' : 'Postpago'}</span> · ${combustible} · ${versionPrecios(e, vista.versionPrecios)}</div>
    ${lineaPausa(e)}
    ${lineaAutorizacion(vista.autorizacion(s.id_surtidor))}
    ${acciones(s, vista)}
  </article>`;
}

/** The pump's authorization: its limit and what became of it (with the refund once completed). */
function lineaAutorizacion(a: Autorizacion | undefined): TemplateResult | typeof nothing {
  if (!a) return nothing;
  const reembolso =
    a.estado === 'completada' && a.reembolso !== null
      ? html` · <strong class="reembolso">Reembolso ${fmtPesos(a.reembolso)}</strong>`
      : nothing;
  const combustibles = a.combustibles ? ` (${a.combustibles.map((c) => NOMBRE_COMBUSTIBLE[c] ?? c).join(', ')})` : '';
  return html`<p class="autorizacion ${a.estado}" data-autorizacion=${a.id_autorizacion} title=${a.motivo ?? `Autorizada por ${a.usuario} a las ${fmtHora(a.creada)}`}><span class="limite">${describirLimite(a.limite)}${combustibles}</span> · <span class="estado-autorizacion">${ESTADO_AUTORIZACION[a.estado]}</span>${reembolso}</p>`;
}

/** "precios v3", or "precios v2 (pendiente)" while the pump finishes a sale on the old prices. */
function versionPrecios(e: EstadoSurtidor | null, vigente: number | undefined): TemplateResult {
  const v = e?.version_precios;
  if (v === null || v === undefined) return html`<span>precios: —</span>`;
  const atrasado = v !== vigente;
  return html`<span class=${atrasado ? 'atrasado' : nothing} title=${atrasado ? 'Aplicará los precios nuevos al terminar la venta' : nothing}>precios v${v}${atrasado ? ' (pendiente)' : ''}</span>`;
}

/** "Pausado por ana: limpieza de la isla · 14:05:10", while the pump stays paused. */
function lineaPausa(e: EstadoSurtidor | null): TemplateResult | typeof nothing {
  const p = e?.pausado_por;
  if (!p || e?.estado_operacion !== 'pausado') return nothing;
  const verbo = p.comando === 'detener_emergencia' ? 'Detenido' : 'Pausado';
  return html`<p class="pausado-por" title=${`${verbo} el ${new Date(p.fecha).toLocaleString('es-CL')}`}>${verbo} por <strong>${p.usuario}</strong>: ${p.razon} · ${fmtHora(p.fecha)}</p>`;
}

/** Only the buttons the session's role may use: operador pauses and resumes, supervisor stops. */
function acciones(s: Surtidor, vista: VistaGrilla): TemplateResult | typeof nothing {
  const e = s.estado_actual;
  const conectado = e?.estado_conexion === 'conectado';
  const pausado = e?.estado_operacion === 'pausado';
  const boton = (texto: string, comando: Comando, posible: boolean, clase?: string) => {
    const enCurso = vista.enCurso(s.id_surtidor, comando);
    return html`<button type="button" class=${clase ?? nothing} data-comando=${comando} ?disabled=${!posible || enCurso} aria-busy=${enCurso ? 'true' : nothing} title=${enCurso ? 'Enviado; esperando la respuesta del surtidor' : nothing} @click=${() => vista.pedir(s.id_surtidor, comando)}>${enCurso ? EN_CURSO[comando] : texto}</button>`;
  };
  const a = vista.autorizacion(s.id_surtidor);
  const abierta = a?.estado === 'emitida' || a?.estado === 'despachando';
  const espera = e?.estado_operacion === 'esperando_autorizacion' || e?.estado_operacion === 'disponible';
  const prepago = vista.puedeOperar && s.modo_autorizacion === 'prepago';
  const botones = [
    ...(prepago && !abierta ? [boton('Autorizar', 'autorizar', conectado && espera, 'principal')] : []),
    ...(prepago && a?.estado === 'emitida' ? [boton('Cancelar autorización', 'cancelar_autorizacion', conectado)] : []),
    ...(vista.puedeOperar
      ? [boton('Pausar', 'pausar', conectado && !pausado), boton('Reanudar', 'reanudar', conectado && pausado)]
      : []),
    ...(vista.puedeDetener ? [boton('Detener emergencia', 'detener_emergencia', conectado, 'peligro')] : []),
  ];
  return botones.length > 0 ? html`<div class="acciones">${botones}</div>` : nothing;
}
