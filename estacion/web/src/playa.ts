/**
 * Commands for the whole forecourt (POST /api/surtidores/comando), drawn with lit-html above the
 * pump grid: "Pausar todos" and "Reanudar todos" for an operator, and, apart and in red,
 * "Detener toda la playa" for a supervisor. While one is in flight every button is disabled. Its
 * result stays on screen until the operator presses "Entendido": how many pumps did it, did not
 * answer or are not connected, and which ones did not answer.
 *
 * Keep the text inside elements on one line in the templates below (see tarjetas.ts).
 */
import { html, nothing, render, type TemplateResult } from 'lit-html';

/** The commands that go to the whole forecourt at once. */
export type ComandoPlaya = 'pausar' | 'reanudar' | 'detener_emergencia';

/** One pump's outcome, as the station answers it. */
export interface EntradaPlaya {
  id_surtidor: number;
  estado: 'ejecutado' | 'sin_respuesta' | 'no_conectado';
  ms?: number;
  resultado?: string;
  codigo?: string;
}

export interface ResultadoPlaya {
  comando: ComandoPlaya;
  plazo_ms: number;
  ms: number;
  totales: { surtidores: number; ejecutado: number; sin_respuesta: number; no_conectado: number };
  surtidores: EntradaPlaya[];
}

/** What the operator sees after a forecourt command, until "Entendido". */
export type AvisoPlaya =
  { tipo: 'resultado'; resultado: ResultadoPlaya } | { tipo: 'error'; comando: ComandoPlaya; mensaje: string };

export interface VistaPlaya {
  puedeOperar: boolean;
  puedeDetener: boolean;
  /** The command in flight, if any. */
  enCurso: ComandoPlaya | null;
  aviso: AvisoPlaya | null;
  /** "Surtidor 3 · Isla Sur" for a pump id (the name when the page knows it). */
  nombre: (id: number) => string;
  pedir: (comando: ComandoPlaya) => void;
  entendido: () => void;
}

/** Pumps listed by name in the result; the rest are counted. */
const MAX_LISTADOS = 30;

export const TITULO_PLAYA: Record<ComandoPlaya, string> = {
  pausar: 'Pausar todos',
  reanudar: 'Reanudar todos',
  detener_emergencia: 'Detener toda la playa',
};

const EN_CURSO: Record<ComandoPlaya, string> = {
  pausar: 'Pausando todos…',
  reanudar: 'Reanudando todos…',
  detener_emergencia: 'Deteniendo toda la playa…',
};

export function renderPlaya(box: HTMLElement, vista: VistaPlaya): void {
  render(vista.puedeOperar || vista.puedeDetener ? contenido(vista) : nothing, box);
}

function contenido(vista: VistaPlaya): TemplateResult {
  const boton = (comando: ComandoPlaya, clase: string) => {
    const enCurso = vista.enCurso === comando;
    return html`<button type="button" class=${clase} data-playa=${comando} ?disabled=${vista.enCurso !== null} aria-busy=${enCurso ? 'true' : nothing} title=${enCurso ? 'Enviado a todos los surtidores conectados; esperando sus respuestas' : nothing} @click=${() => vista.pedir(comando)}>${enCurso ? EN_CURSO[comando] : TITULO_PLAYA[comando]}</button>`;
  };
  return html`<div class="playa-barra">
      <span class="playa-etiqueta">Toda la playa</span>
      ${vista.puedeOperar ? html`<div class="playa-normales">${boton('pausar', '')}${boton('reanudar', '')}</div>` : nothing}
      ${vista.puedeDetener ? html`<div class="playa-emergencia">${boton('detener_emergencia', 'peligro grande')}</div>` : nothing}
    </div>
    ${vista.aviso ? panel(vista.aviso, vista) : nothing}`;
}

function panel(aviso: AvisoPlaya, vista: VistaPlaya): TemplateResult {
  const entendido = html`<button type="button" class="principal" id="playa-entendido" @click=${() => vista.entendido()}>Entendido</button>`;
  if (aviso.tipo === 'error') {
    return html`<div id="playa-resultado" class="playa-resultado mal" role="alert">
      <h3>${TITULO_PLAYA[aviso.comando]}: no se envió</h3>
      <p class="playa-mensaje">${aviso.mensaje}</p>
      <div class="playa-pie">${entendido}</div>
    </div>`;
  }
  const r = aviso.resultado;
  const t = r.totales;
  const sinRespuesta = r.surtidores.filter((e) => e.estado === 'sin_respuesta');
  const rechazaron = r.surtidores.filter((e) => e.estado === 'ejecutado' && e.resultado !== 'ok');
  const bien = sinRespuesta.length === 0 && rechazaron.length === 0;
  const conectados = t.ejecutado + t.sin_respuesta;
  const [estado, detalle] =
    conectados === 0
      ? ['no había surtidores conectados', 'No se envió a ninguno.']
      : bien
        ? ['hecho', `Los ${t.ejecutado} surtidores conectados lo ejecutaron.`]
        : [
            'incompleto',
            `${t.ejecutado} de ${conectados} surtidores conectados lo ejecutaron. Revise en la isla los de la lista.`,
          ];
  return html`<div id="playa-resultado" class="playa-resultado ${bien && conectados > 0 ? 'bien' : 'mal'}" role="alert">
    <h3>${TITULO_PLAYA[r.comando]}: ${estado}</h3>
    <p class="playa-mensaje">${detalle}</p>
    <dl class="playa-cuentas">
      <div data-cuenta="ejecutado"><dt>Ejecutaron</dt><dd>${t.ejecutado}</dd></div>
      <div data-cuenta="sin_respuesta" class=${t.sin_respuesta > 0 ? 'alerta' : nothing}><dt>Sin respuesta</dt><dd>${t.sin_respuesta}</dd></div>
      <div data-cuenta="no_conectado"><dt>No conectados</dt><dd>${t.no_conectado}</dd></div>
    </dl>
    ${lista(`No respondieron en ${duracion(r.plazo_ms)}:`, 'playa-sin-respuesta', sinRespuesta, vista, (e) => (e.codigo === 'SURTIDOR_DESCONECTADO' ? ' (se desconectó)' : ''))}
    ${lista('Respondieron que no pudieron:', 'playa-rechazaron', rechazaron, vista, (e) => ` (${e.resultado ?? '?'})`)}
    <div class="playa-pie"><span class="playa-tiempo">${conectados > 0 ? `tiempo total: ${duracion(r.ms)}` : ''}</span>${entendido}</div>
  </div>`;
}

function lista(
  titulo: string,
  id: string,
  entradas: EntradaPlaya[],
  vista: VistaPlaya,
  nota: (e: EntradaPlaya) => string,
): TemplateResult | typeof nothing {
  if (entradas.length === 0) return nothing;
  const mas = entradas.length - MAX_LISTADOS;
  return html`<p class="playa-lista-titulo">${titulo}</p>
    <ul id=${id} class="playa-lista">
      ${entradas.slice(0, MAX_LISTADOS).map((e) => html`<li data-surtidor-playa=${e.id_surtidor}>${vista.nombre(e.id_surtidor)}${nota(e)}</li>`)}
      ${mas > 0 ? html`<li class="mas">y ${mas} más</li>` : nothing}
    </ul>`;
}

const decimas = new Intl.NumberFormat('es-CL', { maximumFractionDigits: 1 });
/** "350 ms", "1 s", "1,2 s". */
const duracion = (ms: number) => (ms < 1000 ? `${ms} ms` : `${decimas.format(ms / 1000)} s`);
