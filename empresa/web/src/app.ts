/**
 * Staff page: current prices with an edit form (optionally scheduled for a later instant), the
 * scheduled version with a countdown and a Cancelar button, the stations and the version each one
 * holds (and whether it holds the scheduled one), and the change history. It opens on the shared login screen (/comun/sesion.js); the session is an
 * HttpOnly cookie, so this script never sees the token. What the role may not do is hidden
 * (body.puede-<rol>, see styles.css): lectura reads only, precios also changes prices, admin also
 * adds and removes stations.
 *
 * Three views, chosen by the URL's #hash: prices and stations (#precios, the default), the network
 * (#red: every station with its sales today, price compliance and alerts, and a chart of sales by
 * day and fuel; red.ts, grafico.ts) and the network's sales (#ventas; ventas.ts). The loop reads
 * only what the view shown needs.
 *
 * The page asks the API one thing at a time: every request waits for the one before it (api.ts),
 * and the poll loop awaits each round before it pauses (SONDEO_MS), so a slow service never piles
 * requests up. A change (prices, a station added or removed) wakes the loop instead of polling on
 * its own.
 */
import { asegurarSesion, barraSesion, marcarRol, pedirSesion, puede, type Sesion } from '/comun/sesion.js';
import { api, pagina, RespuestaError, SinSesion } from './api.js';
import { hora, pesos, texto } from './formato.js';
import { iniciarGrafico, mostrarResumen, pedidoResumen } from './grafico.js';
import { detalleAbierto, iniciarRed, mostrarDetalle, mostrarRed } from './red.js';
import type {
  CampoPrecio,
  Estacion,
  EstacionDetalle,
  PreciosVigentes,
  Red,
  Resumen,
  VentaRed,
  VersionPrecios,
} from './types.js';
import { conocerRed, iniciarVentas, mostrarVentas, rutaVentas, ventasRechazadas } from './ventas.js';

const ROLES = ['lectura', 'precios', 'admin'] as const;
const ETIQUETAS: Record<CampoPrecio, string> = {
  precio_93: '93',
  precio_95: '95',
  precio_97: '97',
  precio_diesel: 'Diésel',
};
/** Stations listed (the API pages its lists; x-total-count says how many there are). */
const MAX_ESTACIONES = 1000;
/** The price range of the prices rule (shared/src/protocol/prices-rule.ts); the API checks it too. */
const PRECIO_MIN = 100;
const PRECIO_MAX = 100_000;
/**
 * The page's three views (the URL's #hash) and the pause between two rounds of the poll loop in
 * each: prices follow a change within a second; the network (one answer for every station) and
 * the sales list are read less often.
 */
const VISTAS = ['precios', 'red', 'ventas'] as const;
type Vista = (typeof VISTAS)[number];
const SONDEO_MS: Record<Vista, number> = { precios: 1000, red: 5000, ventas: 10_000 };

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let vigente: VersionPrecios | null = null;
/** The scheduled version last shown (its number), for the history to be redrawn when it changes. */
let programadaVista: number | null = null;
let sesion: Sesion | null = null;
let titulo = 'Empresa · precios y estaciones';

// ── session ──────────────────────────────────────────────────────────────────────────────────

function aplicarSesion(s: Sesion): void {
  sesion = s;
  marcarRol(s, ROLES);
  $('sesion').replaceChildren(barraSesion(s));
}

let pidiendo: Promise<void> | null = null;
/** Shows the login screen again (once, however many requests found the session gone). */
function volverAEntrar(): Promise<void> {
  pidiendo ??= pedirSesion({ titulo, roles: ROLES }).then((s) => {
    pidiendo = null;
    vigente = null; // another user may have logged in: redraw everything
    aplicarSesion(s);
  });
  return pidiendo;
}

// ── drawing ──────────────────────────────────────────────────────────────────────────────────

function mostrarMensaje(id: string, msg: string, ok: boolean): void {
  const el = $(id);
  el.textContent = msg;
  el.className = `mensaje ${ok ? 'ok' : 'error'}`;
}

const formPrecios = () => $<HTMLFormElement>('form-precios');
const inputsPrecios = () => [...formPrecios().querySelectorAll<HTMLInputElement>('input[name^="precio_"]')];
const inputVigencia = () => formPrecios().elements.namedItem('vigencia') as HTMLInputElement;

function mostrarPrecios(v: VersionPrecios): void {
  const form = formPrecios();
  const cambioVersion = vigente?.version !== v.version;
  vigente = v;
  $('version').textContent = `versión ${v.version}`;
  $('autor').textContent = `Desde ${hora(v.actualizado)}, por ${v.autor}.`;
  const lectura = $('precios-lectura');
  lectura.replaceChildren();
  for (const [campo, valor] of Object.entries(v.precios) as [CampoPrecio, number][]) {
    const item = document.createElement('div');
    item.append(texto('dt', ETIQUETAS[campo]), texto('dd', pesos(valor)));
    item.dataset.campo = campo;
    lectura.append(item);
    const input = form.elements.namedItem(campo) as HTMLInputElement;
    // Never overwrite what the user is typing, unless a new version arrived.
    if (cambioVersion || !input.classList.contains('cambiado')) {
      input.value = String(valor);
      input.defaultValue = String(valor);
      input.classList.remove('cambiado');
    }
  }
}

/** "en 3 h 20 min", "en 45 s", "en 2 d 4 h": how long until `iso` (a countdown, refreshed every round). */
function faltan(iso: string, ahora = Date.now()): string {
  const s = Math.max(0, Math.round((Date.parse(iso) - ahora) / 1000));
  if (s < 60) return s === 0 ? 'ahora' : `en ${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `en ${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `en ${h} h ${min % 60} min`;
  return `en ${Math.floor(h / 24)} d ${h % 24} h`;
}

function llenarPrecios(dl: HTMLElement, v: VersionPrecios): void {
  dl.replaceChildren(
    ...(Object.entries(v.precios) as [CampoPrecio, number][]).map(([campo, valor]) => {
      const item = document.createElement('div');
      item.append(texto('dt', ETIQUETAS[campo]), texto('dd', pesos(valor)));
      item.dataset.campo = campo;
      return item;
    }),
  );
}

/** The scheduled version (or nothing), and how many stations hold it. */
function mostrarProgramada(p: VersionPrecios | null, estaciones: Estacion[]): void {
  const caja = $('programada');
  caja.hidden = p === null;
  if (p === null || p.vigencia === null) return;
  caja.dataset.version = String(p.version);
  $('programada-version').textContent = `versión ${p.version}`;
  $('programada-cuenta').textContent = faltan(p.vigencia);
  $('programada-cuando').textContent =
    `Entra en vigencia el ${hora(p.vigencia)} (cada estación por su reloj); creada por ${p.autor} el ${hora(p.actualizado)}.`;
  llenarPrecios($('programada-precios'), p);
  const conLa = estaciones.filter((e) => e.programada_recibida === true).length;
  $('programada-estaciones').textContent =
    estaciones.length === 0
      ? 'No hay estaciones registradas.'
      : `La tienen ${conLa} de ${estaciones.length} estaciones; las demás la reciben al conectarse.`;
}

function filaEstacion(e: Estacion): HTMLTableRowElement {
  const fila = document.createElement('tr');
  fila.dataset.id = e.id_estacion;
  const nombre = document.createElement('td');
  nombre.append(texto('strong', e.nombre), texto('div', e.id_estacion, 'etiqueta'));
  const enlace = document.createElement('td');
  const estado = e.enlace?.estado ?? 'desconectado';
  enlace.append(texto('span', estado, `estado ${estado}`));
  const version = e.version_confirmada ?? '—';
  // A station that reports a version the company never made: never "al día", said plainly.
  const anomalia = e.enlace?.anomalia ?? null;
  const celdaVersion = texto(
    'td',
    anomalia ? `${version} ⚠` : e.al_dia ? `${version} ✓` : `${version} (atrasada)`,
    `num ${anomalia ? 'anomalia' : e.al_dia ? 'al-dia' : 'atrasada'}`,
  );
  celdaVersion.dataset.version = String(e.version_confirmada ?? '');
  if (anomalia) {
    celdaVersion.dataset.anomalia = anomalia.codigo;
    celdaVersion.title =
      `Versión desconocida: la estación informa la versión ${anomalia.version_reportada}, ` +
      `que la empresa no creó (la más nueva es la ${anomalia.version_empresa}); desde ${hora(anomalia.desde)}. ` +
      'No se cuenta como al día; se le sigue enviando la versión de la empresa.';
    // Two short lines: a 16-digit version must not spill into the next column.
    celdaVersion.append(
      texto('div', 'versión desconocida:', 'etiqueta aviso-anomalia'),
      texto('div', String(anomalia.version_reportada), 'etiqueta aviso-anomalia'),
    );
    fila.classList.add('con-anomalia');
  }
  const programada =
    e.programada_recibida === null
      ? texto('td', '—', 'programada-ninguna')
      : e.programada_recibida
        ? texto('td', 'recibida ✓', 'programada-si')
        : texto('td', 'pendiente', 'programada-no');
  programada.dataset.programada = String(e.programada_recibida);
  const acciones = document.createElement('td');
  acciones.className = 'requiere-admin acciones';
  const quitar = texto('button', 'Quitar', 'secundario pequeno');
  quitar.type = 'button';
  quitar.dataset.quitar = e.id_estacion;
  quitar.setAttribute('aria-label', `Quitar la estación ${e.nombre}`);
  acciones.append(quitar);
  fila.append(
    nombre,
    texto('td', `${e.host}:${e.puerto}`),
    enlace,
    celdaVersion,
    programada,
    texto('td', hora(e.ultimo_contacto), 'fecha'),
    texto('td', e.ultimo_error ?? '', 'error-enlace'),
    acciones,
  );
  return fila;
}

function mostrarEstaciones({ items: estaciones, total }: { items: Estacion[]; total: number }): void {
  const cuerpo = $('estaciones');
  if (estaciones.length === 0) {
    const fila = document.createElement('tr');
    const celda = texto('td', 'No hay estaciones registradas.', 'vacio');
    celda.colSpan = 8;
    fila.append(celda);
    cuerpo.replaceChildren(fila);
  } else {
    cuerpo.replaceChildren(...estaciones.map(filaEstacion));
  }
  const alDia = estaciones.filter((e) => e.al_dia).length;
  $('resumen').textContent =
    total > estaciones.length
      ? `${alDia} de las ${estaciones.length} primeras al día (${total} estaciones en total)`
      : `${alDia} de ${estaciones.length} al día`;
}

function mostrarHistorial(versiones: VersionPrecios[]): void {
  $('historial').replaceChildren(
    ...versiones.map((v) => {
      const cambios = v.cambios
        .map((c) => `${ETIQUETAS[c.campo]} ${c.anterior === null ? '' : `${pesos(c.anterior)} → `}${pesos(c.nuevo)}`)
        .join(', ');
      const estado =
        v.cancelada !== null
          ? ` (programada para ${hora(v.vigencia)}, cancelada el ${hora(v.cancelada)})`
          : v.vigencia === null
            ? ''
            : Date.parse(v.vigencia) > Date.now()
              ? ` (programada para ${hora(v.vigencia)})`
              : ` (en vigencia desde ${hora(v.vigencia)})`;
      const li = texto('li', `Versión ${v.version}, ${hora(v.actualizado)}, ${v.autor}: ${cambios}${estado}`);
      if (v.cancelada !== null) li.className = 'cancelada';
      return li;
    }),
  );
}

function conexion(ok: boolean): void {
  $('conexion').textContent = ok ? 'En línea' : 'Sin conexión con el servicio';
  $('conexion').className = ok ? 'conexion' : 'conexion error';
}

// ── the poll loop ────────────────────────────────────────────────────────────────────────────

/** One round of the prices view: prices (and the history when they changed), then the stations. */
async function refrescarPrecios(): Promise<void> {
  {
    const precios = await api<PreciosVigentes>('GET', '/api/precios');
    const programada = precios.programada?.version ?? null;
    if (vigente?.version !== precios.version || programadaVista !== programada)
      mostrarHistorial(await api<VersionPrecios[]>('GET', '/api/precios/historial?limit=10'));
    programadaVista = programada;
    mostrarPrecios(precios);
    const estaciones = await pagina<Estacion>(`/api/estaciones?limit=${MAX_ESTACIONES}`);
    mostrarEstaciones(estaciones);
    mostrarProgramada(precios.programada, estaciones.items);
  }
}

/** Remembers what the sales list needs from the network: the time zone and the stations' names. */
function leerRed(red: Red): void {
  redLeida = true;
  conocerRed(red.zona_horaria, new Map(red.estaciones.map((e) => [e.id_estacion, e.nombre])));
}
let redLeida = false;

const mensajeDe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** One round of the network view: the stations, the open detail, and the chart when it is due. */
async function refrescarRed(): Promise<void> {
  const red = await api<Red>('GET', '/api/red');
  mostrarRed(red);
  leerRed(red);
  const id = detalleAbierto();
  if (id !== null) {
    try {
      mostrarDetalle(await api<EstacionDetalle>('GET', `/api/estaciones/${encodeURIComponent(id)}`));
    } catch (err) {
      if (err instanceof SinSesion) throw err;
      mostrarDetalle(null, `No se pudo leer la estación: ${mensajeDe(err)}`);
    }
  }
  const pedido = pedidoResumen(red.zona_horaria, red.generado);
  if (pedido) {
    try {
      mostrarResumen(await api<Resumen>('GET', pedido.path), pedido.fechas);
    } catch (err) {
      if (err instanceof SinSesion) throw err;
      $('grafico').replaceChildren(
        texto('p', `No se pudo leer el resumen de ventas: ${mensajeDe(err)}`, 'mensaje error'),
      );
    }
  }
}

/** One round of the sales list (the network once first, for the time zone and the names). */
async function refrescarVentas(): Promise<void> {
  if (!redLeida) leerRed(await api<Red>('GET', '/api/red'));
  let ventas: { items: VentaRed[]; total: number };
  try {
    ventas = await pagina<VentaRed>(rutaVentas());
  } catch (err) {
    // The service answered (a 400 names the filter): not a lost connection.
    if (!(err instanceof RespuestaError)) throw err;
    ventasRechazadas(mensajeDe(err));
    return;
  }
  mostrarVentas(ventas);
}

/** One round of the view shown; one request at a time. */
async function refrescar(): Promise<void> {
  try {
    if (vista === 'precios') await refrescarPrecios();
    else if (vista === 'red') await refrescarRed();
    else await refrescarVentas();
    conexion(true);
  } catch (err) {
    if (err instanceof SinSesion) return volverAEntrar();
    conexion(false);
  }
}

/** Set by a change: the loop starts its next round at once instead of after the pause. */
let otraVuelta = false;
let despertar: (() => void) | null = null;

/** After a change: the next round starts now, or right after the one under way (never both at once). */
function refrescarPronto(): void {
  otraVuelta = true;
  despertar?.();
}

function pausa(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const fin = () => {
      clearTimeout(timer);
      despertar = null;
      resolve();
    };
    const timer = setTimeout(fin, ms);
    despertar = fin;
  });
}

/** Polls the view shown, one round at a time: each round is awaited before the pause. */
async function sondear(): Promise<never> {
  for (;;) {
    otraVuelta = false;
    await refrescar();
    if (!otraVuelta) await pausa(SONDEO_MS[vista]);
  }
}

// ── changes ──────────────────────────────────────────────────────────────────────────────────

/** Runs a change; a 401 brings the login screen back and says to try again. */
async function cambiar(idMensaje: string, hacer: () => Promise<void>, fallo: string): Promise<void> {
  try {
    await hacer();
  } catch (err) {
    if (err instanceof SinSesion) {
      mostrarMensaje(idMensaje, 'La sesión terminó: inicie sesión y vuelva a intentarlo.', false);
      await volverAEntrar();
      return;
    }
    mostrarMensaje(idMensaje, `${fallo}: ${err instanceof Error ? err.message : String(err)}`, false);
  }
}

formPrecios().addEventListener('input', (ev) => {
  const input = ev.target as HTMLInputElement;
  input.classList.toggle('cambiado', input.value !== input.defaultValue);
});

formPrecios().addEventListener('reset', () => {
  for (const input of [...inputsPrecios(), inputVigencia()]) input.classList.remove('cambiado');
  $('mensaje-precios').textContent = '';
});

formPrecios().addEventListener('submit', (ev) => {
  ev.preventDefault();
  void guardarPrecios();
});

async function guardarPrecios(): Promise<void> {
  const cambios: Partial<Record<CampoPrecio, number>> = {};
  for (const input of inputsPrecios()) {
    if (input.value === input.defaultValue) continue;
    const campo = input.name as CampoPrecio;
    const valor = Number(input.value);
    // The prices rule (docs/protocol.md): integer pesos per litre from PRECIO_MIN to PRECIO_MAX.
    if (!Number.isInteger(valor) || valor < PRECIO_MIN || valor > PRECIO_MAX) {
      mostrarMensaje(
        'mensaje-precios',
        `${ETIQUETAS[campo]}: el precio debe ser un entero positivo entre ${pesos(PRECIO_MIN)} y ${pesos(PRECIO_MAX)}`,
        false,
      );
      return;
    }
    cambios[campo] = valor;
  }
  if (Object.keys(cambios).length === 0) {
    mostrarMensaje('mensaje-precios', 'No cambió ningún precio.', false);
    return;
  }
  // datetime-local is the browser's local time: sent as an instant (the API wants a zone).
  const local = inputVigencia().value;
  const vigencia = local === '' ? undefined : new Date(local);
  if (vigencia !== undefined && Number.isNaN(vigencia.getTime())) {
    mostrarMensaje('mensaje-precios', 'Vigencia: fecha y hora inválidas', false);
    return;
  }
  const cuerpo = vigencia === undefined ? cambios : { ...cambios, vigencia: vigencia.toISOString() };
  await cambiar(
    'mensaje-precios',
    async () => {
      // The author of the version is the session's user: the API takes it from the session.
      const r = await api<VersionPrecios>('PUT', '/api/precios', cuerpo);
      for (const input of inputsPrecios()) input.classList.remove('cambiado');
      inputVigencia().value = '';
      inputVigencia().classList.remove('cambiado');
      mostrarMensaje(
        'mensaje-precios',
        r.vigencia === null
          ? `Versión ${r.version} guardada; se está enviando a las estaciones.`
          : `Versión ${r.version} programada para el ${hora(r.vigencia)}; se está enviando a las estaciones.`,
        true,
      );
      refrescarPronto();
    },
    'No se guardó',
  );
}

$('cancelar-programada').addEventListener('click', () => {
  const version = $('programada').dataset.version;
  if (!sesion || !puede(sesion, 'precios', ROLES) || version === undefined) return;
  if (!confirm(`¿Cancelar la versión ${version} programada? Se avisa a las estaciones; no entrará en vigencia.`))
    return;
  void cambiar(
    'mensaje-precios',
    async () => {
      const v = await api<VersionPrecios>('DELETE', '/api/precios/programada');
      mostrarMensaje('mensaje-precios', `Versión ${v.version} cancelada; se está avisando a las estaciones.`, true);
      refrescarPronto();
    },
    'No se canceló',
  );
});

$<HTMLFormElement>('form-estacion').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void agregarEstacion(ev.currentTarget as HTMLFormElement);
});

async function agregarEstacion(form: HTMLFormElement): Promise<void> {
  const direccion = (form.elements.namedItem('direccion') as HTMLInputElement).value.trim();
  const m = /^(.+?)(?::(\d+))?$/.exec(direccion);
  if (!m || direccion === '') {
    mostrarMensaje('mensaje-estacion', 'Escriba HOST:PUERTO, p. ej. 10.0.0.7:5001', false);
    return;
  }
  await cambiar(
    'mensaje-estacion',
    async () => {
      const e = await api<Estacion>('POST', '/api/estaciones', { host: m[1], puerto: Number(m[2] ?? 5001) });
      form.reset();
      mostrarMensaje('mensaje-estacion', `Estación ${e.id_estacion} agregada.`, true);
      refrescarPronto();
    },
    'No se agregó',
  );
}

$('estaciones').addEventListener('click', (ev) => {
  const id = (ev.target as Element).closest<HTMLButtonElement>('button[data-quitar]')?.dataset.quitar;
  if (!id || !sesion || !puede(sesion, 'admin', ROLES)) return;
  if (!confirm(`¿Quitar la estación ${id}? La empresa deja de enviarle precios.`)) return;
  void cambiar(
    'mensaje-estacion',
    async () => {
      await api<null>('DELETE', `/api/estaciones/${encodeURIComponent(id)}`);
      mostrarMensaje('mensaje-estacion', `Estación ${id} quitada.`, true);
      refrescarPronto();
    },
    'No se quitó',
  );
});

// ── views ──────────────────────────────────────────────────────────────────────────────────

function vistaDeHash(): Vista {
  const h = location.hash.slice(1);
  return (VISTAS as readonly string[]).includes(h) ? (h as Vista) : 'precios';
}
let vista: Vista = vistaDeHash();

function mostrarVista(): void {
  for (const v of VISTAS) $(`vista-${v}`).hidden = v !== vista;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#vistas a'))
    if (a.hash === `#${vista}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  document.body.dataset.vista = vista;
}

window.addEventListener('hashchange', () => {
  vista = vistaDeHash();
  mostrarVista();
  refrescarPronto();
});
mostrarVista();
iniciarRed(refrescarPronto);
iniciarGrafico(refrescarPronto);
iniciarVentas(refrescarPronto);

// ── start ────────────────────────────────────────────────────────────────────────────────────

async function iniciar(): Promise<void> {
  // /health is open: the company's name, for the title and the login screen.
  try {
    const s = (await fetch('/health').then((r) => r.json())) as { empresa: { nombre: string } };
    $('titulo').textContent = s.empresa.nombre;
    titulo = `${s.empresa.nombre} · precios y estaciones`;
    document.title = titulo;
  } catch {
    // the name stays generic
  }
  for (;;) {
    try {
      aplicarSesion(await asegurarSesion({ titulo, roles: ROLES }));
      break;
    } catch {
      // The service does not answer yet: try again shortly.
      conexion(false);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  await sondear();
}

void iniciar();
