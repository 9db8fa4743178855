/**
 * The operator dashboard: a login screen first, then a snapshot and live events from the WebSocket
 * bridge and commands through the REST API, with only the buttons the session's role may use.
 * The snapshot is bounded (connected pumps, counts, the newest sales, alerts and actions): the
 * pumps that are not connected come from GET /api/surtidores, page by page, when asked for.
 * Reconnects by itself when the station restarts and says so on screen; a session that ends (a
 * 401, or the bridge closing for it) brings the login screen back.
 */
import { asegurarSesion, barraSesion, marcarRol, pedirSesion, puede, type Sesion } from '/comun/sesion.js';
import { itemAccion } from './acciones.js';
import { ALERTA_CONFLICTO, refreshConflictos } from './conflictos.js';
import { drawChart } from './chart.js';
import { el, fmtFechaHora, fmtHora, fmtLitros, fmtPesos, NOMBRE_COMBUSTIBLE } from './format.js';
import { type AvisoPlaya, type ComandoPlaya, renderPlaya, type ResultadoPlaya, TITULO_PLAYA } from './playa.js';
import { type Comando, describirLimite, estadoDe, ordenGrilla, renderGrilla } from './tarjetas.js';
import { type PuntoVarianza, puntosVarianza, renderTanques, tanqueDeAlerta } from './tanques.js';
import type {
  Accion,
  Alerta,
  Autorizacion,
  Combustible,
  ConciliacionTanque,
  Descarga,
  LimiteAutorizacion,
  EstadoSurtidor,
  EventoPuente,
  PreciosProgramados,
  Snapshot,
  Surtidor,
  Tanque,
  Transaccion,
  VentasPorHora,
  VersionPrecios,
} from './types.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const MAX_TRANSACCIONES = 50;
const MAX_ACCIONES = 20;
/** Open alerts listed (the count says how many more there are). */
const MAX_ALERTAS = 50;
/** Pumps per GET /api/surtidores when the operator asks for all of them. */
const PAGINA_SURTIDORES = 1000;
/** The station's roles, lowest first (each includes the ones before it). */
const ROLES = ['lectura', 'operador', 'supervisor', 'admin'] as const;
/** The bridge closes a client whose session ended with this code. */
const CIERRE_SESION = 4401;

const state = {
  surtidores: new Map<number, Surtidor>(),
  precios: null as VersionPrecios | null,
  /** The scheduled price version the station holds (in force at `vigencia` by its clock), if any. */
  programada: null as PreciosProgramados | null,
  transacciones: [] as Transaccion[],
  alertas: new Map<string, Alerta>(),
  acciones: [] as Accion[],
  /** Pumps configured at the station (the snapshot's count, refreshed from the API). */
  totalSurtidores: 0,
  /** Open alerts at the station, listed or not. */
  alertasAbiertas: 0,
  /** (ext) Each pump's last known authorization (the open ones come in the snapshot). */
  autorizaciones: new Map<number, Autorizacion>(),
  /** (ext) The tanks with their last reading, and the last delivery seen per tank. */
  tanques: new Map<number, Tanque>(),
  descargas: new Map<number, Descarga>(),
  /** (ext) Each tank's cumulative variance over the last days (GET /api/conciliacion). */
  varianzas: new Map<number, PuntoVarianza[]>(),
};

/** (ext) The "Tanques" panel, redrawn at most once per frame (a `tanque` event per tank a second). */
let tanquesPendiente = false;
function renderTanquesPanel(): void {
  if (tanquesPendiente) return;
  tanquesPendiente = true;
  requestAnimationFrame(() => {
    tanquesPendiente = false;
    renderTanques($('tanques'), state.tanques.values(), state.alertas.values(), state.descargas, state.varianzas);
  });
}

/** Days of cumulative variance the tank cards plot. */
const DIAS_VARIANZA = 7;

/** (ext) Reads the last days' reconciliation (whole local days) for the tank cards' plots. */
async function refreshVarianzas(): Promise<void> {
  if (state.tanques.size === 0) return;
  const hasta = new Date();
  hasta.setHours(0, 0, 0, 0);
  const desde = new Date(hasta);
  desde.setDate(desde.getDate() - DIAS_VARIANZA);
  const q = new URLSearchParams({
    desde: desde.toISOString(),
    hasta: hasta.toISOString(),
    offset_min: String(-hasta.getTimezoneOffset()),
  });
  try {
    const res = await api(`/api/conciliacion?${q.toString()}`);
    if (!res.ok) return;
    state.varianzas = puntosVarianza((await res.json()) as ConciliacionTanque[]);
    renderTanquesPanel();
  } catch {
    // The station is restarting; the next snapshot or timer reads it again.
  }
}

let sesion: Sesion | null = null;
let tituloLogin = 'Estación · panel del operador';
const puedeRol = (rol: (typeof ROLES)[number]) => sesion !== null && puede(sesion, rol, ROLES);

// ── session ──────────────────────────────────────────────────────────────────────────────────

class SesionTerminada extends Error {}

let volviendoAlLogin = false;
/** The session ended (logout elsewhere, expiry, revoked): the login screen, then a fresh page. */
async function sesionTerminada(): Promise<void> {
  if (volviendoAlLogin) return;
  volviendoAlLogin = true;
  socket?.close();
  $('sesion').replaceChildren();
  estadoConexion(false, 'Sesión terminada');
  await pedirSesion({ titulo: tituloLogin, roles: ROLES });
  location.reload();
}

/** fetch for the API: a 401 means the session is over. */
async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  if (res.status === 401) {
    void sesionTerminada();
    throw new SesionTerminada('sesión terminada');
  }
  return res;
}

// ── rendering ────────────────────────────────────────────────────────────────────────────────

function renderPrecios(): void {
  const v = state.precios;
  if (!v) return;
  $('version-precios').textContent = `versión ${v.version}`;
  const items = (['93', '95', '97', 'diesel'] as const).map((c) =>
    el(
      'div',
      { 'data-combustible': c },
      el('dt', {}, NOMBRE_COMBUSTIBLE[c] ?? c),
      el('dd', {}, fmtPesos(v.precios[`precio_${c}`])),
    ),
  );
  $('precios').replaceChildren(...items);
  const p = state.programada;
  const aviso = $('precios-programados');
  aviso.hidden = p === null;
  if (p === null) return aviso.replaceChildren();
  const cambios = (['93', '95', '97', 'diesel'] as const)
    .filter((c) => p.precios[`precio_${c}`] !== v.precios[`precio_${c}`])
    .map((c) => `${NOMBRE_COMBUSTIBLE[c] ?? c} ${fmtPesos(p.precios[`precio_${c}`])}`);
  aviso.replaceChildren(
    el('strong', {}, `Programada: versión ${p.version}`),
    ` desde el ${fmtFechaHora(p.vigencia)}`,
    cambios.length > 0 ? ` · ${cambios.join(', ')}` : ' · mismos precios',
    '. Cada surtidor la toma al quedar disponible.',
  );
}

/**
 * Commands sent and not answered yet, as "id:comando": their buttons stay disabled (and say so)
 * until the answer arrives or the request gives up, whatever the pump reports meanwhile.
 */
const enCurso = new Set<string>();
const claveComando = (id: number, comando: Comando) => `${id}:${comando}`;

let grillaPedida = false;
/**
 * The grid is drawn again on the next frame: every change of a pump asks for it, and a burst of
 * `estado` events (hundreds of pumps) costs one pass. lit-html updates the cards in place.
 */
function renderSurtidores(): void {
  if (grillaPedida) return;
  grillaPedida = true;
  requestAnimationFrame(() => {
    grillaPedida = false;
    renderGrilla($('grilla'), {
      surtidores: [...state.surtidores.values()].sort(ordenGrilla),
      versionPrecios: state.precios?.version,
      puedeOperar: puedeRol('operador'),
      puedeDetener: puedeRol('supervisor'),
      enCurso: (id, comando) => enCurso.has(claveComando(id, comando)),
      pedir: (id, comando) => void pedirComando(id, comando),
      vacio: state.totalSurtidores > 0 ? 'Ningún surtidor conectado.' : 'Sin surtidores todavía.',
      autorizacion: (id) => state.autorizaciones.get(id),
    });
    resumenSurtidores();
  });
}

function resumenSurtidores(): void {
  const all = [...state.surtidores.values()];
  const conectados = all.filter((s) => s.estado_actual?.estado_conexion === 'conectado').length;
  const despachando = all.filter((s) => estadoDe(s) === 'despachando').length;
  const esperando = all.filter((s) => estadoDe(s) === 'esperando_autorizacion').length;
  const total = Math.max(state.totalSurtidores, all.length);
  $('resumen-surtidores').textContent =
    `${conectados}/${total} conectados · ${despachando} despachando` +
    (esperando > 0 ? ` · ${esperando} esperando autorización` : '');
  // The snapshot brings the connected pumps; the rest are one click away.
  $('ver-todos').hidden = all.length >= total;
}

/** Every pump of the station, page by page from the API, for the ones the grid does not show yet. */
async function verTodos(): Promise<void> {
  const boton = $<HTMLButtonElement>('ver-todos');
  boton.disabled = true;
  try {
    for (let skip = 0; ; skip += PAGINA_SURTIDORES) {
      const res = await api(`/api/surtidores?limit=${PAGINA_SURTIDORES}&skip=${skip}`);
      if (!res.ok) throw new Error(res.statusText);
      const page = (await res.json()) as Surtidor[];
      for (const s of page)
        if (!state.surtidores.has(s.id_surtidor)) state.surtidores.set(s.id_surtidor, { ...s, estado_actual: null });
      state.totalSurtidores = Number(res.headers.get('x-total-count') ?? state.totalSurtidores);
      if (page.length < PAGINA_SURTIDORES || skip + PAGINA_SURTIDORES >= state.totalSurtidores) break;
    }
    renderSurtidores();
  } catch (err) {
    if (!(err instanceof SesionTerminada)) aviso('No se pudo leer la lista de surtidores', true);
  } finally {
    boton.disabled = false;
  }
}

let totalTimer: number | undefined;
/** A pump was added or removed somewhere: the count comes from the API (x-total-count). */
function refrescarTotalPronto(): void {
  clearTimeout(totalTimer);
  totalTimer = window.setTimeout(() => {
    void api('/api/surtidores?limit=1')
      .then((res) => {
        const total = res.headers.get('x-total-count');
        if (res.ok && total !== null) {
          state.totalSurtidores = Number(total);
          resumenSurtidores();
        }
      })
      .catch(() => undefined);
  }, 300);
}

function filaTransaccion(t: Transaccion, nueva: boolean): HTMLTableRowElement {
  const clases = [nueva ? 'nueva' : '', t.observaciones.length > 0 ? 'observada' : ''].filter(Boolean).join(' ');
  return el(
    'tr',
    {
      'data-transaccion': t.id_transaccion,
      ...(clases ? { class: clases } : {}),
      ...(t.observaciones.length ? { title: t.observaciones.join('\n') } : {}),
    },
    el('td', {}, fmtHora(t.fecha_fin)),
    el('td', {}, t.nombre_surtidor ?? String(t.id_surtidor)),
    el('td', {}, NOMBRE_COMBUSTIBLE[t.tipo_combustible] ?? t.tipo_combustible),
    el('td', { class: 'num' }, fmtLitros(t.litros)),
    el('td', { class: 'num' }, fmtPesos(t.monto_total)),
    el('td', {}, t.estado === 'completada' ? t.metodo_pago : `${t.metodo_pago} (${t.estado})`),
  );
}

function renderTransacciones(): void {
  $('transacciones').replaceChildren(...state.transacciones.map((t) => filaTransaccion(t, false)));
}

function renderAlertas(): void {
  const list = [...state.alertas.values()].sort((a, b) => b.creada.localeCompare(a.creada));
  const mas = $('alertas-mas');
  const faltan = state.alertasAbiertas - list.length;
  mas.hidden = faltan <= 0;
  mas.textContent = faltan > 0 ? `y ${faltan} alertas abiertas más (las más antiguas)` : '';
  $('alertas').replaceChildren(
    ...(list.length > 0
      ? list.map((a) =>
          el(
            'li',
            { class: a.severidad, 'data-alerta': a.codigo },
            el('strong', {}, a.codigo),
            ` ${a.mensaje}`,
            el(
              'span',
              { class: 'cuando' },
              `${fmtHora(a.creada)}${a.id_surtidor !== null ? ` · surtidor ${a.id_surtidor}` : ''}`,
            ),
          ),
        )
      : [el('li', { class: 'vacio' }, 'Sin alertas.')]),
  );
}

function renderAcciones(): void {
  $('acciones').replaceChildren(
    ...(state.acciones.length > 0
      ? state.acciones.map((a) => itemAccion(a, false))
      : [el('li', { class: 'vacio' }, 'Sin acciones registradas.')]),
  );
}

function agregarAccion(a: Accion): void {
  if (state.acciones.some((x) => x.seq === a.seq)) return;
  state.acciones = [a, ...state.acciones].sort((x, y) => y.seq - x.seq).slice(0, MAX_ACCIONES);
  const list = $('acciones');
  list.querySelector('.vacio')?.remove();
  if (state.acciones[0]?.seq === a.seq) list.prepend(itemAccion(a, true));
  else renderAcciones();
  while (list.children.length > MAX_ACCIONES) list.lastElementChild?.remove();
}

// ── sales chart ──────────────────────────────────────────────────────────────────────────────

let chartTimer: number | undefined;
function refreshChartSoon(): void {
  clearTimeout(chartTimer);
  chartTimer = window.setTimeout(() => void refreshChart(), 500);
}

/** The "Conflictos" section, read again from the API (on each snapshot and each conflict alert). */
async function conflictos(): Promise<void> {
  try {
    await refreshConflictos(api, $('conflictos'), $('total-conflictos'));
  } catch {
    // The station is restarting (or the session ended): the next snapshot reads them again.
  }
}

async function refreshChart(): Promise<void> {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  try {
    // Only the totals and por_hora are drawn: one row of por_surtidor is enough.
    const res = await api(`/api/estadisticas?desde=${encodeURIComponent(start.toISOString())}&limit=1`);
    if (!res.ok) return;
    const stats = (await res.json()) as {
      por_hora: VentasPorHora[];
      total: { monto: number; litros: number; transacciones: number };
    };
    drawChart($('grafico'), stats.por_hora);
    $('total-hoy').textContent =
      `${fmtPesos(stats.total.monto)} · ${fmtLitros(stats.total.litros)} · ${stats.total.transacciones} ventas`;
  } catch {
    // The station is restarting; the next event or timer refreshes it.
  }
}

// ── commands ─────────────────────────────────────────────────────────────────────────────────

let avisoTimer: number | undefined;
/** A message at the top right for 5 s (a newer one replaces it and gets its full 5 s). */
function aviso(texto: string, error = false): void {
  const box = $('aviso');
  box.textContent = texto;
  box.className = error ? 'aviso error' : 'aviso';
  box.hidden = false;
  clearTimeout(avisoTimer);
  avisoTimer = window.setTimeout(() => {
    box.hidden = true;
  }, 5000);
}

/** What the confirmation dialog says and asks. */
interface Confirmacion {
  titulo: string;
  texto: string;
  /** The reason already filled in (empty: the operator must write one, with `ejemplo` as a hint). */
  razon: string;
  ejemplo: string;
  boton: string;
  emergencia: boolean;
  /** The reason when the operator clears the field and confirms anyway. */
  porDefecto: string;
}

/** The confirmation dialog, asking for the reason (it goes on the cards and in the audit log); null: cancelled. */
function confirmar(c: Confirmacion): Promise<string | null> {
  const dialog = $<HTMLDialogElement>('confirmar');
  const razon = $<HTMLInputElement>('confirmar-razon');
  const si = $<HTMLButtonElement>('confirmar-si');
  dialog.classList.toggle('emergencia', c.emergencia);
  $('confirmar-titulo').textContent = c.titulo;
  $('confirmar-texto').textContent = c.texto;
  razon.value = c.razon;
  razon.placeholder = c.ejemplo;
  si.textContent = c.boton;
  si.className = c.emergencia ? 'peligro' : 'principal';
  dialog.returnValue = '';
  dialog.showModal();
  razon.focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => resolve(dialog.returnValue === 'confirmar' ? razon.value.trim() || c.porDefecto : null),
      { once: true },
    );
  });
}

/** Asks for the reason of a pause or an emergency stop of one pump. */
function pedirMotivo(s: Surtidor, comando: 'pausar' | 'detener_emergencia'): Promise<string | null> {
  const emergencia = comando === 'detener_emergencia';
  return confirmar({
    titulo: emergencia ? 'Detener de emergencia' : `Pausar el surtidor ${s.id_surtidor}`,
    texto: emergencia
      ? `El surtidor ${s.id_surtidor} (${s.nombre}) se detendrá de inmediato; la venta en curso quedará cancelada con los litros ya despachados.`
      : `El surtidor ${s.id_surtidor} (${s.nombre}) terminará la venta en curso y no aceptará otra hasta que se reanude. El motivo se mostrará en su tarjeta.`,
    razon: emergencia ? 'Detención de emergencia desde el panel' : '',
    ejemplo: emergencia ? '' : 'p. ej. limpieza de la isla',
    boton: emergencia ? 'Detener ahora' : 'Pausar',
    emergencia,
    porDefecto: emergencia ? 'Emergencia' : 'Pausa',
  });
}

/**
 * How long the page waits for a command's answer before giving up on it. The station answers by
 * itself when the pump does not (504 after --command-timeout, 5 s by default); this only covers a
 * station or a network that never answers, so the button does not stay disabled for ever.
 */
const ESPERA_COMANDO_MS = 60_000;

/**
 * (ext) The "Autorizar" dialog: Monto ($), Litros or Lleno, and optionally which fuels. Resolves
 * with the request's body, or null when the operator closes it.
 */
function pedirAutorizacion(s: Surtidor): Promise<{ limite: LimiteAutorizacion; combustibles?: Combustible[] } | null> {
  const dialog = $<HTMLDialogElement>('autorizar');
  const form = dialog.querySelector('form') as HTMLFormElement;
  const valor = $<HTMLInputElement>('autorizar-valor');
  const unidad = $('autorizar-unidad');
  const fuels = $('autorizar-combustibles');
  $('autorizar-titulo').textContent = `Autorizar el surtidor ${s.id_surtidor} · ${s.nombre}`;
  form.reset();
  fuels.replaceChildren(
    ...(s.combustibles_soportados ?? []).map((c) =>
      el(
        'label',
        { class: 'casilla' },
        el('input', { type: 'checkbox', name: 'combustible', value: c }),
        NOMBRE_COMBUSTIBLE[c] ?? c,
      ),
    ),
  );
  const tipo = () => (form.elements.namedItem('tipo') as RadioNodeList).value as LimiteAutorizacion['tipo'];
  const alCambiarTipo = () => {
    const t = tipo();
    valor.disabled = t === 'lleno';
    valor.required = t !== 'lleno';
    valor.step = t === 'monto' ? '1' : '0.01';
    valor.min = t === 'monto' ? '1' : '0.01';
    valor.placeholder = t === 'monto' ? 'p. ej. 10000' : t === 'litros' ? 'p. ej. 20' : '';
    unidad.textContent = t === 'monto' ? 'pesos' : t === 'litros' ? 'litros' : '';
  };
  form.onchange = alCambiarTipo;
  alCambiarTipo();
  dialog.returnValue = '';
  dialog.showModal();
  valor.focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        if (dialog.returnValue !== 'confirmar') return resolve(null);
        const t = tipo();
        const n = Number(valor.value);
        const limite: LimiteAutorizacion =
          t === 'lleno'
            ? { tipo: 'lleno' }
            : t === 'monto'
              ? { tipo: 'monto', valor: Math.round(n) }
              : { tipo: 'litros', valor: n };
        const elegidos = [...fuels.querySelectorAll<HTMLInputElement>('input:checked')].map(
          (i) => i.value as Combustible,
        );
        resolve(elegidos.length > 0 ? { limite, combustibles: elegidos } : { limite });
      },
      { once: true },
    );
  });
}

/** (ext) Authorizes or cancels through the API; the card follows the `autorizacion` events. */
async function pedirAutorizar(s: Surtidor, comando: 'autorizar' | 'cancelar_autorizacion'): Promise<void> {
  const id = s.id_surtidor;
  const clave = claveComando(id, comando);
  let body: string | undefined;
  if (comando === 'autorizar') {
    const pedido = await pedirAutorizacion(s);
    if (pedido === null || enCurso.has(clave)) return;
    body = JSON.stringify(pedido);
  }
  enCurso.add(clave);
  renderSurtidores();
  try {
    const res = await api(`/api/surtidores/${id}/autorizacion`, {
      method: comando === 'autorizar' ? 'POST' : 'DELETE',
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }),
      signal: AbortSignal.timeout(ESPERA_COMANDO_MS),
    });
    const answer = (await res.json()) as Autorizacion & { error?: { mensaje: string } };
    if (res.ok) {
      guardarAutorizacion(answer);
      aviso(
        comando === 'autorizar'
          ? `Surtidor ${id}: autorizado (${describirLimite(answer.limite)})`
          : `Surtidor ${id}: autorización cancelada`,
      );
    } else aviso(`Surtidor ${id}: ${answer.error?.mensaje ?? res.statusText}`, true);
  } catch (err) {
    if (!(err instanceof SesionTerminada)) aviso('No se pudo contactar a la estación', true);
  } finally {
    enCurso.delete(clave);
    renderSurtidores();
  }
}

/** Keeps the newest state of each pump's authorization (an older event never replaces a newer one). */
function guardarAutorizacion(a: Autorizacion): void {
  const prev = state.autorizaciones.get(a.id_surtidor);
  const ORDEN = ['emitida', 'despachando', 'completada', 'cancelada', 'expirada', 'rechazada'];
  if (prev?.id_autorizacion === a.id_autorizacion && ORDEN.indexOf(prev.estado) > ORDEN.indexOf(a.estado)) return;
  if (prev && prev.id_autorizacion !== a.id_autorizacion && prev.creada > a.creada) return;
  state.autorizaciones.set(a.id_surtidor, a);
}

async function pedirComando(id: number, comando: Comando): Promise<void> {
  const clave = claveComando(id, comando);
  // Its button is disabled while it is in flight; this holds even for a click that came first.
  if (enCurso.has(clave)) return;
  const s = state.surtidores.get(id);
  if (!s) return;
  if (comando === 'autorizar' || comando === 'cancelar_autorizacion') {
    await pedirAutorizar(s, comando);
    return;
  }
  let razon = 'Reanudación desde el panel';
  if (comando === 'pausar' || comando === 'detener_emergencia') {
    const motivo = await pedirMotivo(s, comando);
    if (motivo === null || enCurso.has(clave)) return;
    razon = motivo;
  }
  enCurso.add(clave);
  renderSurtidores();
  try {
    const res = await api(`/api/surtidores/${id}/comando`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ comando, razon }),
      signal: AbortSignal.timeout(ESPERA_COMANDO_MS),
    });
    const body = (await res.json()) as { resultado?: string; error?: { mensaje: string } };
    if (res.ok) aviso(`Surtidor ${id}: ${comando} → ${body.resultado}`, body.resultado !== 'ok');
    else aviso(`Surtidor ${id}: ${body.error?.mensaje ?? res.statusText}`, true);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'TimeoutError')
      aviso(
        `Surtidor ${id}: la estación no respondió «${comando}»; revise el estado del surtidor antes de repetirlo`,
        true,
      );
    else if (!(err instanceof SesionTerminada)) aviso('No se pudo contactar a la estación', true);
  } finally {
    enCurso.delete(clave);
    renderSurtidores();
  }
}

// ── the whole forecourt ─────────────────────────────────────────────────────────────────────

const playa = { enCurso: null as ComandoPlaya | null, aviso: null as AvisoPlaya | null };

function nombreSurtidor(id: number): string {
  const s = state.surtidores.get(id);
  return s ? `Surtidor ${id} · ${s.nombre}` : `Surtidor ${id}`;
}

function renderBarraPlaya(): void {
  renderPlaya($('playa'), {
    puedeOperar: puedeRol('operador'),
    puedeDetener: puedeRol('supervisor'),
    enCurso: playa.enCurso,
    aviso: playa.aviso,
    nombre: nombreSurtidor,
    pedir: (comando) => void pedirComandoPlaya(comando),
    entendido: () => {
      playa.aviso = null;
      renderBarraPlaya();
    },
  });
}

const CONFIRMAR_PLAYA: Record<ComandoPlaya, Omit<Confirmacion, 'titulo'>> = {
  detener_emergencia: {
    texto:
      'Todos los surtidores conectados se detendrán de inmediato; las ventas en curso quedarán canceladas con los litros ya despachados. Ninguno volverá a despachar hasta que se reanude.',
    razon: 'Detención de emergencia de toda la playa desde el panel',
    ejemplo: '',
    boton: 'Detener toda la playa',
    emergencia: true,
    porDefecto: 'Emergencia',
  },
  pausar: {
    texto:
      'Todos los surtidores conectados terminarán la venta en curso y no aceptarán otra hasta que se reanuden. El motivo se mostrará en sus tarjetas.',
    razon: '',
    ejemplo: 'p. ej. descarga del camión de combustible',
    boton: 'Pausar todos',
    emergencia: false,
    porDefecto: 'Pausa',
  },
  reanudar: {
    texto: 'Todos los surtidores conectados volverán a aceptar ventas.',
    razon: 'Reanudación de toda la playa desde el panel',
    ejemplo: '',
    boton: 'Reanudar todos',
    emergencia: false,
    porDefecto: 'Reanudación',
  },
};

async function pedirComandoPlaya(comando: ComandoPlaya): Promise<void> {
  if (playa.enCurso !== null) return;
  const razon = await confirmar({ titulo: `${TITULO_PLAYA[comando]}`, ...CONFIRMAR_PLAYA[comando] });
  if (razon === null || playa.enCurso !== null) return;
  playa.enCurso = comando;
  playa.aviso = null;
  renderBarraPlaya();
  try {
    const res = await api('/api/surtidores/comando', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ comando, razon }),
      signal: AbortSignal.timeout(ESPERA_COMANDO_MS),
    });
    const body = (await res.json()) as ResultadoPlaya & { error?: { mensaje: string } };
    playa.aviso = res.ok
      ? { tipo: 'resultado', resultado: body }
      : { tipo: 'error', comando, mensaje: body.error?.mensaje ?? res.statusText };
  } catch (err) {
    if (err instanceof SesionTerminada) return;
    playa.aviso = {
      tipo: 'error',
      comando,
      mensaje:
        err instanceof DOMException && err.name === 'TimeoutError'
          ? 'La estación no respondió. Revise el estado de los surtidores antes de repetirlo.'
          : 'No se pudo contactar a la estación. Revise el estado de los surtidores antes de repetirlo.',
    };
  } finally {
    playa.enCurso = null;
    renderBarraPlaya();
  }
}

// ── live events ──────────────────────────────────────────────────────────────────────────────

function aplicar(evento: EventoPuente): void {
  switch (evento.tipo) {
    case 'snapshot': {
      const snap = evento.datos as Snapshot;
      state.surtidores = new Map(snap.surtidores.map((s) => [s.id_surtidor, s]));
      state.precios = snap.precios;
      state.programada = snap.precios.programada ?? null;
      state.transacciones = snap.transacciones.slice(0, MAX_TRANSACCIONES);
      state.alertas = new Map(snap.alertas.slice(0, MAX_ALERTAS).map((a) => [a.id, a]));
      state.acciones = (snap.acciones ?? []).slice(0, MAX_ACCIONES);
      state.totalSurtidores = snap.totales?.surtidores ?? snap.surtidores.length;
      state.alertasAbiertas = snap.totales?.alertas_abiertas ?? snap.alertas.length;
      // The open ones; a closed one shown before stays on its card until the next one.
      for (const a of snap.autorizaciones ?? []) guardarAutorizacion(a);
      state.tanques = new Map((snap.tanques ?? []).map((t) => [t.id_tanque, t]));
      renderTanquesPanel();
      void refreshVarianzas();
      renderPrecios();
      renderSurtidores();
      renderTransacciones();
      renderAlertas();
      renderAcciones();
      void refreshChart();
      void conflictos();
      return;
    }
    case 'surtidor_conectado':
    case 'surtidor_actualizado': {
      const s = evento.datos as Surtidor;
      const prev = state.surtidores.get(s.id_surtidor);
      // A pump the grid did not know may be a new one: the count is asked again.
      if (!prev) refrescarTotalPronto();
      state.surtidores.set(s.id_surtidor, {
        ...s,
        estado_actual: s.estado_actual ?? prev?.estado_actual ?? null,
      });
      renderSurtidores();
      return;
    }
    case 'surtidor_desconectado': {
      const d = evento.datos as { id_surtidor: number; estado: EstadoSurtidor };
      const s = state.surtidores.get(d.id_surtidor);
      if (s)
        state.surtidores.set(d.id_surtidor, {
          ...s,
          estado_conexion: d.estado.estado_conexion,
          estado_actual: d.estado,
        });
      renderSurtidores();
      return;
    }
    case 'surtidor_eliminado': {
      state.surtidores.delete((evento.datos as { id_surtidor: number }).id_surtidor);
      refrescarTotalPronto();
      renderSurtidores();
      return;
    }
    case 'estado': {
      const e = evento.datos as EstadoSurtidor;
      const s = state.surtidores.get(e.id_surtidor);
      if (s) {
        state.surtidores.set(e.id_surtidor, { ...s, estado_actual: e });
        renderSurtidores();
      }
      return;
    }
    case 'transaccion': {
      const t = evento.datos as Transaccion;
      // One that reached the snapshot while this client was already listening comes twice.
      if (state.transacciones.some((x) => x.id_transaccion === t.id_transaccion && x.id_surtidor === t.id_surtidor))
        return;
      state.transacciones = [t, ...state.transacciones].slice(0, MAX_TRANSACCIONES);
      const body = $('transacciones');
      body.prepend(filaTransaccion(t, true));
      while (body.children.length > MAX_TRANSACCIONES) body.lastElementChild?.remove();
      refreshChartSoon();
      return;
    }
    case 'alerta': {
      const a = evento.datos as Alerta;
      if (a.codigo === ALERTA_CONFLICTO && !a.resuelta) void conflictos();
      const listada = state.alertas.has(a.id);
      if (a.resuelta) {
        state.alertas.delete(a.id);
        state.alertasAbiertas = Math.max(0, state.alertasAbiertas - 1);
      } else if (!listada) {
        state.alertas.set(a.id, a);
        state.alertasAbiertas += 1;
        // Only the newest stay listed; the count keeps the others.
        const viejas = [...state.alertas.values()].sort((x, y) => y.creada.localeCompare(x.creada)).slice(MAX_ALERTAS);
        for (const v of viejas) state.alertas.delete(v.id);
      }
      renderAlertas();
      if (tanqueDeAlerta(a) !== null) renderTanquesPanel();
      return;
    }
    case 'tanque': {
      const t = evento.datos as Tanque;
      state.tanques.set(t.id_tanque, t);
      renderTanquesPanel();
      return;
    }
    case 'tanque_eliminado': {
      state.tanques.delete((evento.datos as { id_tanque: number }).id_tanque);
      renderTanquesPanel();
      return;
    }
    case 'descarga': {
      const d = evento.datos as Descarga;
      state.descargas.set(d.id_tanque, d);
      renderTanquesPanel();
      return;
    }
    case 'accion': {
      agregarAccion(evento.datos as Accion);
      return;
    }
    case 'autorizacion': {
      guardarAutorizacion(evento.datos as Autorizacion);
      renderSurtidores();
      return;
    }
    case 'precios_programados': {
      state.programada = (evento.datos as { programada: PreciosProgramados | null }).programada;
      renderPrecios();
      if (state.programada) aviso(`Precios programados: versión ${state.programada.version}`);
      return;
    }
    case 'precios': {
      state.precios = evento.datos as VersionPrecios;
      renderPrecios();
      renderSurtidores();
      aviso(`Precios nuevos: versión ${state.precios.version}`);
      return;
    }
  }
}

function estadoConexion(conectado: boolean, texto: string): void {
  const box = $('conexion');
  box.className = `conexion ${conectado ? 'conectado' : 'desconectado'}`;
  box.textContent = texto;
}

let intento = 0;
let socket: WebSocket | null = null;
async function conectar(): Promise<void> {
  if (volviendoAlLogin) return;
  try {
    const res = await api('/api/config');
    const config = (await res.json()) as { estacion: { nombre: string }; ws_port: number };
    mostrarNombre(config.estacion.nombre);
    // The session cookie goes along: cookies ignore ports, and this is the same site.
    const ws = new WebSocket(
      `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:${config.ws_port}/`,
    );
    socket = ws;
    ws.addEventListener('open', () => {
      intento = 0;
      estadoConexion(true, 'En vivo');
    });
    ws.addEventListener('message', (m) => aplicar(JSON.parse(String(m.data)) as EventoPuente));
    ws.addEventListener('close', (ev) => void alCerrar(ev.code));
  } catch (err) {
    if (!(err instanceof SesionTerminada)) reintentar();
  }
}

/**
 * The bridge closed: for the session (4401, or a refused handshake, which the browser only sees
 * as 1006: then the API says whether the session is still good), or the station went away.
 */
async function alCerrar(code: number): Promise<void> {
  if (volviendoAlLogin) return;
  if (code === CIERRE_SESION) {
    void sesionTerminada();
    return;
  }
  try {
    const res = await fetch('/api/sesion', { credentials: 'same-origin' });
    if (res.status === 401) {
      void sesionTerminada();
      return;
    }
  } catch {
    // The station is not answering: keep retrying below.
  }
  reintentar();
}

function mostrarNombre(nombre: string): void {
  $('titulo').textContent = nombre;
  document.title = `${nombre} · panel del operador`;
  tituloLogin = `${nombre} · panel del operador`;
}

function reintentar(): void {
  const espera = Math.min(10_000, 500 * 2 ** intento) * (0.5 + Math.random() / 2);
  intento += 1;
  estadoConexion(false, `Sin conexión con la estación · reintentando en ${Math.ceil(espera / 1000)} s`);
  window.setTimeout(() => void conectar(), espera);
}

/** The station's name for the login screen: /health is public. */
async function nombreEstacion(): Promise<string | null> {
  try {
    const res = await fetch('/health');
    const body = (await res.json()) as { estacion?: { nombre?: string } };
    return body.estacion?.nombre ?? null;
  } catch {
    return null;
  }
}

async function iniciar(): Promise<void> {
  const nombre = await nombreEstacion();
  if (nombre) mostrarNombre(nombre);
  for (;;) {
    try {
      sesion = await asegurarSesion({ titulo: tituloLogin, roles: ROLES });
      break;
    } catch {
      // The station is not answering yet.
      estadoConexion(false, 'Sin conexión con la estación · reintentando');
      await new Promise((r) => window.setTimeout(r, 2000));
    }
  }
  marcarRol(sesion, ROLES);
  renderBarraPlaya();
  $('ver-todos').addEventListener('click', () => void verTodos());
  $('sesion').replaceChildren(barraSesion(sesion));
  window.setInterval(() => void refreshChart(), 60_000);
  window.setInterval(() => void refreshVarianzas(), 10 * 60_000);
  void conectar();
}

void iniciar();
