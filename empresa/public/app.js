// Staff page: current prices with an edit form, the stations and the version each one holds
// (polled every second, one request at a time), and the change history. Plain JS, no build step.
// It opens on the shared login screen (/comun/sesion.js); the session is an HttpOnly cookie, so
// this script never sees the token. What the role may not do is hidden (body.puede-<rol>, see
// styles.css): lectura reads only, precios also changes prices, admin also adds and removes stations.
import { asegurarSesion, barraSesion, marcarRol, pedirSesion, puede } from '/comun/sesion.js';

const ROLES = ['lectura', 'precios', 'admin'];
const ETIQUETAS = { precio_93: '93', precio_95: '95', precio_97: '97', precio_diesel: 'Diésel' };
/** Stations listed (the API pages its lists; x-total-count says how many there are). */
const MAX_ESTACIONES = 1000;
/** The price range of the prices rule (shared/src/protocol/prices-rule.ts); the API checks it too. */
const PRECIO_MIN = 100;
const PRECIO_MAX = 100_000;
const $ = (id) => document.getElementById(id);
const pesos = (n) => `$${Number(n).toLocaleString('es-CL')}`;
// 24-hour clock: "14:05:09", never "2:05:09 p. m.".
const fechaHora = new Intl.DateTimeFormat('es-CL', { dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' });
const hora = (iso) => (iso ? fechaHora.format(new Date(iso)) : '—');

let vigente = null;
let sesion = null;
let titulo = 'Empresa · precios y estaciones';

/** The API answered 401: the session expired, was closed or its user removed. */
class SinSesion extends Error {}

async function api(method, path, body) {
  return (await pedir(method, path, body)).data;
}

/** A page of a list: its items and how many there are in all (x-total-count). */
async function pagina(path) {
  const { data, res } = await pedir('GET', path);
  return { items: data, total: Number(res.headers.get('x-total-count') ?? data.length) };
}

async function pedir(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) throw new SinSesion('la sesión terminó');
  if (res.status === 204) return { data: null, res };
  const data = await res.json();
  if (!res.ok) {
    const e = data?.error ?? {};
    const detalles = (e.detalles ?? []).map((d) => `${d.campo}: ${d.problema}`).join('; ');
    throw new Error(`${e.mensaje ?? res.statusText}${detalles ? ` (${detalles})` : ''}`);
  }
  return { data, res };
}

function aplicarSesion(s) {
  sesion = s;
  marcarRol(s, ROLES);
  $('sesion').replaceChildren(barraSesion(s));
}

let pidiendo = null;
/** Shows the login screen again (once, however many requests found the session gone). */
function volverAEntrar() {
  pidiendo ??= pedirSesion({ titulo, roles: ROLES }).then((s) => {
    pidiendo = null;
    vigente = null; // another user may have logged in: redraw everything
    aplicarSesion(s);
  });
  return pidiendo;
}

function texto(tag, contenido, clase) {
  const el = document.createElement(tag);
  el.textContent = contenido;
  if (clase) el.className = clase;
  return el;
}

function mostrarMensaje(id, msg, ok) {
  const el = $(id);
  el.textContent = msg;
  el.className = `mensaje ${ok ? 'ok' : 'error'}`;
}

function mostrarPrecios(v) {
  const form = $('form-precios');
  const cambioVersion = vigente?.version !== v.version;
  vigente = v;
  $('version').textContent = `versión ${v.version}`;
  $('autor').textContent = `Desde ${hora(v.actualizado)}, por ${v.autor}.`;
  const lectura = $('precios-lectura');
  lectura.replaceChildren();
  for (const [campo, valor] of Object.entries(v.precios)) {
    const item = document.createElement('div');
    item.append(texto('dt', ETIQUETAS[campo]), texto('dd', pesos(valor)));
    item.dataset.campo = campo;
    lectura.append(item);
    const input = form.elements.namedItem(campo);
    // Never overwrite what the user is typing, unless a new version arrived.
    if (cambioVersion || !input.classList.contains('cambiado')) {
      input.value = String(valor);
      input.defaultValue = String(valor);
      input.classList.remove('cambiado');
    }
  }
}

function mostrarEstaciones({ items: estaciones, total }) {
  const cuerpo = $('estaciones');
  cuerpo.replaceChildren();
  if (estaciones.length === 0) {
    const fila = document.createElement('tr');
    const celda = texto('td', 'No hay estaciones registradas.', 'vacio');
    celda.colSpan = 7;
    fila.append(celda);
    cuerpo.append(fila);
  }
  let alDia = 0;
  for (const e of estaciones) {
    if (e.al_dia) alDia += 1;
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
      const aviso =
        `Versión desconocida: la estación informa la versión ${anomalia.version_reportada}, ` +
        `que la empresa no creó (la más nueva es la ${anomalia.version_empresa}); desde ${hora(anomalia.desde)}. ` +
        'No se cuenta como al día; se le sigue enviando la versión de la empresa.';
      celdaVersion.dataset.anomalia = anomalia.codigo;
      celdaVersion.title = aviso;
      // Two short lines: a 16-digit version must not spill into the next column.
      celdaVersion.append(texto('div', 'versión desconocida:', 'etiqueta aviso-anomalia'), texto('div', String(anomalia.version_reportada), 'etiqueta aviso-anomalia'));
      fila.classList.add('con-anomalia');
    }
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
      texto('td', hora(e.ultimo_contacto)),
      texto('td', e.ultimo_error ?? ''),
      acciones,
    );
    cuerpo.append(fila);
  }
  $('resumen').textContent =
    total > estaciones.length
      ? `${alDia} de las ${estaciones.length} primeras al día (${total} estaciones en total)`
      : `${alDia} de ${estaciones.length} al día`;
}

function mostrarHistorial(versiones) {
  const lista = $('historial');
  lista.replaceChildren();
  for (const v of versiones) {
    const cambios = v.cambios
      .map(
        (c) =>
          `${ETIQUETAS[c.campo]} ${c.anterior === null ? '' : `${pesos(c.anterior)} → `}${pesos(c.nuevo)}`,
      )
      .join(', ');
    lista.append(texto('li', `Versión ${v.version}, ${hora(v.actualizado)}, ${v.autor}: ${cambios}`));
  }
}

async function refrescar() {
  try {
    const [precios, estaciones] = await Promise.all([
      api('GET', '/api/precios'),
      pagina(`/api/estaciones?limit=${MAX_ESTACIONES}`),
    ]);
    if (vigente?.version !== precios.version)
      mostrarHistorial(await api('GET', '/api/precios/historial?limit=10'));
    mostrarPrecios(precios);
    mostrarEstaciones(estaciones);
    $('conexion').textContent = 'En línea';
    $('conexion').className = 'conexion';
  } catch (err) {
    if (err instanceof SinSesion) return volverAEntrar();
    $('conexion').textContent = 'Sin conexión con el servicio';
    $('conexion').className = 'conexion error';
  }
}

/** Polls every second, one round at a time (a slow answer never piles requests up). */
async function sondear() {
  await refrescar();
  setTimeout(sondear, 1000);
}

/** Runs a change; a 401 brings the login screen back and says to try again. */
async function cambiar(idMensaje, hacer, fallo) {
  try {
    await hacer();
  } catch (err) {
    if (err instanceof SinSesion) {
      mostrarMensaje(idMensaje, 'La sesión terminó: inicie sesión y vuelva a intentarlo.', false);
      await volverAEntrar();
      return;
    }
    mostrarMensaje(idMensaje, `${fallo}: ${err.message}`, false);
  }
}

$('form-precios').addEventListener('input', (ev) => {
  const input = ev.target;
  input.classList.toggle('cambiado', input.value !== input.defaultValue);
});

$('form-precios').addEventListener('reset', () => {
  for (const input of $('form-precios').querySelectorAll('input')) input.classList.remove('cambiado');
  $('mensaje-precios').textContent = '';
});

$('form-precios').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const cambios = {};
  for (const input of ev.target.querySelectorAll('input')) {
    if (input.value === input.defaultValue) continue;
    const valor = Number(input.value);
    // The prices rule (docs/protocol.md): integer pesos per litre from PRECIO_MIN to PRECIO_MAX.
    if (!Number.isInteger(valor) || valor < PRECIO_MIN || valor > PRECIO_MAX) {
      mostrarMensaje(
        'mensaje-precios',
        `${ETIQUETAS[input.name]}: el precio debe ser un entero positivo entre ${pesos(PRECIO_MIN)} y ${pesos(PRECIO_MAX)}`,
        false,
      );
      return;
    }
    cambios[input.name] = valor;
  }
  if (Object.keys(cambios).length === 0) {
    mostrarMensaje('mensaje-precios', 'No cambió ningún precio.', false);
    return;
  }
  await cambiar(
    'mensaje-precios',
    async () => {
      // The author of the version is the session's user: the API takes it from the session.
      const r = await api('PUT', '/api/precios', cambios);
      for (const input of ev.target.querySelectorAll('input')) input.classList.remove('cambiado');
      mostrarMensaje(
        'mensaje-precios',
        `Versión ${r.version} guardada; se está enviando a las estaciones.`,
        true,
      );
      await refrescar();
    },
    'No se guardó',
  );
});

$('form-estacion').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const direccion = ev.target.elements.namedItem('direccion').value.trim();
  const m = /^(.+?)(?::(\d+))?$/.exec(direccion);
  if (!m || direccion === '') {
    mostrarMensaje('mensaje-estacion', 'Escriba HOST:PUERTO, p. ej. 10.0.0.7:5001', false);
    return;
  }
  await cambiar(
    'mensaje-estacion',
    async () => {
      const e = await api('POST', '/api/estaciones', { host: m[1], puerto: Number(m[2] ?? 5001) });
      ev.target.reset();
      mostrarMensaje('mensaje-estacion', `Estación ${e.id_estacion} agregada.`, true);
      await refrescar();
    },
    'No se agregó',
  );
});

$('estaciones').addEventListener('click', async (ev) => {
  const id = ev.target.closest('button[data-quitar]')?.dataset.quitar;
  if (!id || !sesion || !puede(sesion, 'admin', ROLES)) return;
  if (!confirm(`¿Quitar la estación ${id}? La empresa deja de enviarle precios.`)) return;
  await cambiar(
    'mensaje-estacion',
    async () => {
      await api('DELETE', `/api/estaciones/${encodeURIComponent(id)}`);
      mostrarMensaje('mensaje-estacion', `Estación ${id} quitada.`, true);
      await refrescar();
    },
    'No se quitó',
  );
});

async function iniciar() {
  // /health is open: the company's name, for the title and the login screen.
  try {
    const s = await fetch('/health').then((r) => r.json());
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
      $('conexion').textContent = 'Sin conexión con el servicio';
      $('conexion').className = 'conexion error';
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  await sondear();
}

iniciar();
