/**
 * The network view: one row per station (GET /api/red) with its link, last contact, the price
 * version it confirmed against the newest, how many of its pumps sell at the newest version, its
 * sales today, its open alerts by severity, how many reports the company still lacks from it and
 * the replica that owns its link; totals of what is shown; sorting by any column and filtering by
 * text or by a problem. A row opens the station's detail (its pumps and open alerts, from GET
 * /api/estaciones/:id). Each refresh updates only the rows that changed (tabla.ts).
 *
 * A network can have tens of thousands of stations: at most MAX_FILAS rows are drawn (the totals
 * always count every station that matches), and the page says how to see the others.
 */
import { entero, hace, hora, litros, pesos, texto } from './formato.js';
import { filaVacia, nuevaCache, sincronizarFilas } from './tabla.js';
import type {
  AlertaReportada,
  EstacionDetalle,
  EstacionRed,
  Red,
  ReportesEstacion,
  Severidad,
  SurtidorReportado,
} from './types.js';

/** Rows drawn at most; filtering finds the others. */
export const MAX_FILAS = 500;
const COLUMNAS = 11;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

type Clave =
  | 'nombre'
  | 'estado'
  | 'contacto'
  | 'version'
  | 'cumplimiento'
  | 'transacciones'
  | 'litros'
  | 'monto'
  | 'alertas'
  | 'pendientes'
  | 'propietario';
type Filtro = 'todas' | 'desconectadas' | 'atrasadas' | 'alertas' | 'pendientes';

const SEVERIDADES: readonly Severidad[] = ['critica', 'advertencia', 'info'];
const NOMBRE_SEVERIDAD: Record<Severidad, [string, string]> = {
  critica: ['crítica', 'críticas'],
  advertencia: ['advertencia', 'advertencias'],
  info: ['info', 'info'],
};

/** Pumps at the newest version over all pumps (a station without pumps counts as complying). */
const cumplimiento = (e: EstacionRed) => (e.surtidores.total === 0 ? 1 : e.surtidores.al_dia / e.surtidores.total);
const atrasada = (e: EstacionRed, vigente: number) =>
  e.version_confirmada !== vigente || e.surtidores.al_dia < e.surtidores.total;

/** Comparators, ascending; ties go by name. */
const COMPARAR: Record<Clave, (a: EstacionRed, b: EstacionRed) => number> = {
  // Numeric: "flota-2" before "flota-10".
  nombre: (a, b) =>
    a.nombre.localeCompare(b.nombre, 'es', { numeric: true }) ||
    a.id_estacion.localeCompare(b.id_estacion, 'es', { numeric: true }),
  estado: (a, b) => Number(a.conectada) - Number(b.conectada) || (a.estado ?? '').localeCompare(b.estado ?? ''),
  contacto: (a, b) => (Date.parse(a.ultimo_contacto ?? '') || 0) - (Date.parse(b.ultimo_contacto ?? '') || 0),
  version: (a, b) => (a.version_confirmada ?? -1) - (b.version_confirmada ?? -1),
  cumplimiento: (a, b) => cumplimiento(a) - cumplimiento(b) || a.surtidores.total - b.surtidores.total,
  transacciones: (a, b) => a.ventas_hoy.transacciones - b.ventas_hoy.transacciones,
  litros: (a, b) => a.ventas_hoy.litros - b.ventas_hoy.litros,
  monto: (a, b) => a.ventas_hoy.monto - b.ventas_hoy.monto,
  alertas: (a, b) =>
    a.alertas_abiertas.critica - b.alertas_abiertas.critica ||
    a.alertas_abiertas.advertencia - b.alertas_abiertas.advertencia ||
    a.alertas_abiertas.info - b.alertas_abiertas.info,
  pendientes: (a, b) => (a.reportes.pendientes ?? -1) - (b.reportes.pendientes ?? -1),
  propietario: (a, b) => (a.propietario ?? '').localeCompare(b.propietario ?? ''),
};

const estado = {
  red: null as Red | null,
  orden: { clave: 'nombre' as Clave, asc: true },
  texto: '',
  filtro: 'todas' as Filtro,
  cache: nuevaCache(),
  /** The station whose detail is open, and what it shows (to redraw only on a change). */
  detalle: null as string | null,
  firmaDetalle: '',
};

/** The station whose detail is open (the poll loop reads it), or null. */
export const detalleAbierto = () => estado.detalle;

function coincide(e: EstacionRed, red: Red): boolean {
  const t = estado.texto;
  if (
    t !== '' &&
    !`${e.nombre}\n${e.id_estacion}\n${e.estado ?? ''}\n${e.propietario ?? ''}`.toLocaleLowerCase('es').includes(t)
  )
    return false;
  switch (estado.filtro) {
    case 'todas':
      return true;
    case 'desconectadas':
      return !e.conectada;
    case 'atrasadas':
      return atrasada(e, red.version_vigente);
    case 'alertas':
      return e.alertas_abiertas.total > 0;
    case 'pendientes':
      return (e.reportes.pendientes ?? 0) > 0;
  }
}

function celdaNum(contenido: string, clase = ''): HTMLTableCellElement {
  return texto('td', contenido, `num ${clase}`.trim());
}

function insignias(a: EstacionRed['alertas_abiertas']): HTMLTableCellElement {
  const td = document.createElement('td');
  td.className = 'alertas';
  if (a.total === 0) {
    td.append(texto('span', '—', 'vacio'));
    return td;
  }
  for (const s of SEVERIDADES) {
    const n = a[s];
    if (n > 0) td.append(texto('span', `${n} ${NOMBRE_SEVERIDAD[s][n === 1 ? 0 : 1]}`, `sev sev-${s}`));
  }
  td.dataset.alertas = String(a.total);
  return td;
}

/** How far the company is behind a station's journal, in words. */
function tituloReportes(r: ReportesEstacion): string {
  const recibidos = `Recibidos hasta el n.º ${entero(r.ultimo_seq_recibido)}`;
  const apartados =
    r.rechazados + r.conflictos > 0
      ? `; ${entero(r.rechazados + r.conflictos)} apartados (rechazados o en conflicto)`
      : '';
  return r.pendientes === null || r.ultimo_seq_estacion === null
    ? `${recibidos}; la estación aún no dice hasta dónde tiene${apartados}.`
    : `${recibidos} de ${entero(r.ultimo_seq_estacion)}${apartados}.`;
}

/** The last contact, relative to when the network was read ("hace 5 s"), exact in its tooltip. */
function contacto(e: EstacionRed, red: Red, td: HTMLTableCellElement): HTMLTableCellElement {
  const relativo = hace(e.ultimo_contacto, red.generado);
  if (td.textContent !== relativo) td.textContent = relativo;
  td.title = hora(e.ultimo_contacto);
  return td;
}

function fila(e: EstacionRed, red: Red): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.estacion = e.id_estacion;
  const nombre = document.createElement('td');
  const abrir = document.createElement('button');
  abrir.type = 'button';
  abrir.className = 'abrir-detalle';
  abrir.dataset.detalle = e.id_estacion;
  abrir.title = 'Ver surtidores y alertas';
  abrir.append(texto('strong', e.nombre), texto('span', e.id_estacion, 'etiqueta'));
  nombre.append(abrir);

  const enlace = document.createElement('td');
  // No link in this process (another replica's station, say): whether it is connected.
  const estadoEnlace = e.estado ?? (e.conectada ? 'conectada' : 'sin enlace');
  enlace.append(texto('span', estadoEnlace, `estado ${e.estado ?? (e.conectada ? 'sincronizado' : 'desconectado')}`));
  // Connecting again after a cut: still without a link.
  if (!e.conectada && e.estado !== null && e.estado !== 'desconectado' && e.estado !== 'detenido')
    enlace.append(texto('div', 'sin conexión', 'etiqueta'));

  const ultimo = contacto(e, red, document.createElement('td'));
  ultimo.className = 'fecha';

  const v = e.version_confirmada;
  const version =
    v === null
      ? celdaNum('—', 'vacio')
      : v === red.version_vigente
        ? celdaNum(`${v} ✓`, 'al-dia')
        : celdaNum(`${v} (vigente ${red.version_vigente})`, 'atrasada');
  version.dataset.version = String(v ?? '');

  const { total, al_dia } = e.surtidores;
  const surtidores =
    total === 0
      ? celdaNum('sin surtidores', 'vacio')
      : celdaNum(`${al_dia} de ${total}`, al_dia === total ? 'al-dia' : 'atrasada');
  surtidores.title =
    total === 0
      ? 'La estación no ha informado surtidores.'
      : `${al_dia} de ${total} surtidores venden con la versión ${red.version_vigente}`;
  surtidores.dataset.cumplimiento = `${al_dia}/${total}`;

  const p = e.reportes.pendientes;
  const pendientes = p === null ? celdaNum('—', 'vacio') : celdaNum(entero(p), p > 0 ? 'atrasada' : 'suave');
  pendientes.title = tituloReportes(e.reportes);

  tr.append(
    nombre,
    enlace,
    ultimo,
    version,
    surtidores,
    celdaNum(entero(e.ventas_hoy.transacciones)),
    celdaNum(litros(e.ventas_hoy.litros)),
    celdaNum(pesos(e.ventas_hoy.monto)),
    insignias(e.alertas_abiertas),
    pendientes,
    texto('td', e.propietario ?? '—', 'replica'),
  );
  if (!e.conectada) tr.classList.add('sin-enlace');
  return tr;
}

/** The totals row: of every station that matches (beyond the rows drawn too). */
function totales(lista: readonly EstacionRed[], red: Red): HTMLTableRowElement {
  const suma = (f: (e: EstacionRed) => number) => lista.reduce((a, e) => a + f(e), 0);
  const conectadas = suma((e) => Number(e.conectada));
  const surt = suma((e) => e.surtidores.total);
  const alDia = suma((e) => e.surtidores.al_dia);
  const conVigente = suma((e) => Number(e.version_confirmada === red.version_vigente));
  const alertas = { total: 0, critica: 0, advertencia: 0, info: 0 };
  for (const e of lista) for (const k of ['total', ...SEVERIDADES] as const) alertas[k] += e.alertas_abiertas[k];
  const tr = document.createElement('tr');
  const primera = texto('th', `Total (${entero(lista.length)} ${lista.length === 1 ? 'estación' : 'estaciones'})`);
  primera.scope = 'row';
  tr.append(
    primera,
    texto('td', `${entero(conectadas)} ${conectadas === 1 ? 'conectada' : 'conectadas'}`),
    texto('td', ''),
    celdaNum(`${entero(conVigente)} de ${entero(lista.length)} al día`, conVigente === lista.length ? '' : 'atrasada'),
    celdaNum(`${entero(alDia)} de ${entero(surt)}`, alDia === surt ? '' : 'atrasada'),
    celdaNum(entero(suma((e) => e.ventas_hoy.transacciones))),
    celdaNum(litros(suma((e) => e.ventas_hoy.litros))),
    celdaNum(pesos(suma((e) => e.ventas_hoy.monto))),
    insignias(alertas),
    lista.some((e) => e.reportes.pendientes !== null)
      ? celdaNum(entero(suma((e) => e.reportes.pendientes ?? 0)))
      : celdaNum('—', 'vacio'),
    texto('td', '', 'replica'),
  );
  return tr;
}

function tarjeta(id: string, valor: string, detalle: string): void {
  const caja = $(id);
  caja.querySelector('dd')!.textContent = valor;
  caja.querySelector('.detalle')!.textContent = detalle;
}

/** Draws the network as last read (also after a change of sorting or filter). */
function dibujar(): void {
  const red = estado.red;
  if (!red) return;
  const t = red.totales;
  tarjeta('red-conectadas', `${entero(t.conectadas)} de ${entero(t.estaciones)}`, 'estaciones conectadas');
  tarjeta(
    'red-cumplimiento',
    `${entero(t.surtidores_al_dia)} de ${entero(t.surtidores)}`,
    `surtidores al día (versión ${red.version_vigente})`,
  );
  tarjeta(
    'red-ventas',
    pesos(t.ventas_hoy.monto),
    `hoy: ${entero(t.ventas_hoy.transacciones)} ventas, ${litros(t.ventas_hoy.litros)}`,
  );
  tarjeta('red-alertas', entero(t.alertas_abiertas), t.alertas_abiertas === 1 ? 'alerta abierta' : 'alertas abiertas');
  $('red-cumplimiento').classList.toggle('mal', t.surtidores_al_dia < t.surtidores);
  $('red-alertas').classList.toggle('mal', t.alertas_abiertas > 0);
  $('red-conectadas').classList.toggle('mal', t.conectadas < t.estaciones);
  $('red-generado').textContent = `Actualizado ${hora(red.generado)} · zona horaria ${red.zona_horaria}`;

  const lista = red.estaciones.filter((e) => coincide(e, red));
  const { clave, asc } = estado.orden;
  lista.sort(
    (a, b) =>
      (asc ? 1 : -1) * (COMPARAR[clave](a, b) || (clave === 'nombre' ? 0 : COMPARAR.nombre(a, b) * (asc ? 1 : -1))),
  );
  const vistas = lista.slice(0, MAX_FILAS);
  const cuerpo = $('red-estaciones');
  if (vistas.length === 0) {
    filaVacia(
      cuerpo,
      estado.cache,
      red.estaciones.length === 0 ? 'No hay estaciones registradas.' : 'Ninguna estación coincide con el filtro.',
      COLUMNAS,
    );
  } else {
    // The last contact changes with every message of a live station: it is updated in its cell,
    // outside the row's signature, so that a row is rebuilt only when something else changed.
    sincronizarFilas(
      cuerpo,
      estado.cache,
      vistas,
      (e) => e.id_estacion,
      (e) => `${JSON.stringify({ ...e, ultimo_contacto: null })}|${red.version_vigente}`,
      (e) => fila(e, red),
      (e, tr) => contacto(e, red, tr.querySelector('td.fecha')!),
    );
  }
  $('red-totales').replaceChildren(totales(lista, red));
  $('red-cuenta').textContent =
    lista.length > vistas.length
      ? `Se muestran ${entero(vistas.length)} de ${entero(lista.length)} estaciones; escriba en Buscar para ver otras.`
      : lista.length === red.estaciones.length
        ? `${entero(lista.length)} ${lista.length === 1 ? 'estación' : 'estaciones'}`
        : `${entero(lista.length)} de ${entero(red.estaciones.length)} estaciones`;
  // The owning replica only matters when there are several.
  $('tabla-red').classList.toggle('sin-replicas', !red.estaciones.some((e) => e.propietario !== null));
  for (const th of document.querySelectorAll<HTMLElement>('#tabla-red th[data-orden]'))
    th.setAttribute('aria-sort', th.dataset.orden === clave ? (asc ? 'ascending' : 'descending') : 'none');
}

export function mostrarRed(red: Red): void {
  estado.red = red;
  dibujar();
}

// ── the detail of one station ────────────────────────────────────────────────────────────────

function filaSurtidor(s: SurtidorReportado, vigente: number): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.surtidor = String(s.id_surtidor);
  const v = s.version_precios;
  const version =
    v === null
      ? texto('td', '—', 'num vacio')
      : v === vigente
        ? texto('td', `${v} ✓`, 'num al-dia')
        : texto('td', `${v} (atrasada)`, 'num atrasada');
  const conexion = document.createElement('td');
  conexion.append(
    texto(
      'span',
      s.conectado ? 'conectado' : 'desconectado',
      `estado ${s.conectado ? 'sincronizado' : 'desconectado'}`,
    ),
  );
  tr.append(
    texto('td', String(s.id_surtidor), 'num'),
    texto('td', s.nombre ?? '—'),
    version,
    conexion,
    texto('td', hora(s.actualizado), 'fecha'),
  );
  return tr;
}

function itemAlerta(a: AlertaReportada): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.alerta = a.id;
  li.append(
    texto('span', NOMBRE_SEVERIDAD[a.severidad][0], `sev sev-${a.severidad}`),
    texto('strong', a.codigo),
    texto('span', a.mensaje, 'mensaje-alerta'),
    texto('span', `${a.id_surtidor === null ? '' : `surtidor ${a.id_surtidor} · `}desde ${hora(a.creada)}`, 'etiqueta'),
  );
  return li;
}

/** Opens the detail dialog of a station (its content comes with the next round of the loop). */
function abrirDetalle(id: string, nombre: string): void {
  estado.detalle = id;
  estado.firmaDetalle = '';
  $('detalle-titulo').textContent = nombre;
  $('detalle-cuerpo').replaceChildren(texto('p', 'Cargando…', 'vacio'));
  const dialogo = $<HTMLDialogElement>('detalle');
  if (!dialogo.open) dialogo.showModal();
}

export function mostrarDetalle(d: EstacionDetalle | null, error?: string): void {
  if (estado.detalle === null) return;
  const firma = JSON.stringify(d ?? error);
  if (firma === estado.firmaDetalle) return;
  estado.firmaDetalle = firma;
  const cuerpo = $('detalle-cuerpo');
  if (d === null) {
    cuerpo.replaceChildren(texto('p', error ?? 'No se pudo leer la estación.', 'mensaje error'));
    return;
  }
  const vigente = estado.red?.version_vigente ?? d.version_confirmada ?? 0;
  $('detalle-titulo').textContent = d.nombre;
  const resumen = document.createElement('dl');
  resumen.className = 'resumen-detalle';
  const dato = (t: string, v: string, clase = '') => {
    const div = document.createElement('div');
    div.append(texto('dt', t), texto('dd', v, clase));
    resumen.append(div);
  };
  dato('Estación', d.id_estacion);
  dato('Enlace', d.enlace?.estado ?? 'desconectado');
  dato('Último contacto', hora(d.ultimo_contacto));
  dato(
    'Versión confirmada',
    d.version_confirmada === null
      ? '—'
      : d.version_confirmada === vigente
        ? `${d.version_confirmada} ✓`
        : `${d.version_confirmada} (vigente ${vigente})`,
    d.version_confirmada === vigente ? 'al-dia' : 'atrasada',
  );
  const r = d.reportes;
  dato(
    'Reportes',
    `recibidos hasta el n.º ${entero(r.ultimo_seq_recibido)}; ${r.pendientes === null ? 'pendientes: se sabe al conectarse' : `${entero(r.pendientes)} pendientes`}`,
    (r.pendientes ?? 0) > 0 ? 'atrasada' : '',
  );
  if (r.rechazados + r.conflictos > 0)
    dato('Apartados', `${entero(r.rechazados)} rechazados, ${entero(r.conflictos)} en conflicto`, 'atrasada');

  const alDia = d.surtidores.filter((s) => s.version_precios === vigente).length;
  const tituloSurt = texto(
    'h4',
    d.surtidores.length === 0
      ? 'Surtidores'
      : `Surtidores: ${alDia} de ${d.surtidores.length} al día (versión ${vigente})`,
  );
  let surtidores: HTMLElement;
  if (d.surtidores.length === 0) {
    surtidores = texto('p', 'La estación no ha informado surtidores.', 'vacio');
  } else {
    const tabla = document.createElement('table');
    tabla.className = 'tabla';
    tabla.id = 'detalle-surtidores';
    const cab = document.createElement('tr');
    for (const [t, c] of [
      ['Surtidor', 'num'],
      ['Nombre', ''],
      ['Versión de precios', 'num'],
      ['Conexión', ''],
      ['Informado', ''],
    ] as const)
      cab.append(texto('th', t, c));
    const thead = document.createElement('thead');
    thead.append(cab);
    const tbody = document.createElement('tbody');
    tbody.append(
      ...[...d.surtidores].sort((a, b) => a.id_surtidor - b.id_surtidor).map((s) => filaSurtidor(s, vigente)),
    );
    tabla.append(thead, tbody);
    surtidores = tabla;
  }
  const orden = (a: AlertaReportada) => SEVERIDADES.indexOf(a.severidad);
  const alertas = [...d.alertas_abiertas].sort((a, b) => orden(a) - orden(b) || b.creada.localeCompare(a.creada));
  const tituloAlertas = texto('h4', `Alertas abiertas (${alertas.length})`);
  const lista =
    alertas.length === 0
      ? texto('p', 'Sin alertas abiertas.', 'vacio')
      : Object.assign(document.createElement('ul'), { className: 'alertas-detalle', id: 'detalle-alertas' });
  if (lista instanceof HTMLUListElement) lista.append(...alertas.map(itemAlerta));
  cuerpo.replaceChildren(resumen, tituloSurt, surtidores, tituloAlertas, lista);
}

// ── controls ─────────────────────────────────────────────────────────────────────────────────

/** Wires sorting, filtering and the detail; `alCambiar` asks the loop for a round now. */
export function iniciarRed(alCambiar: () => void): void {
  $('red-buscar').addEventListener('input', (ev) => {
    estado.texto = (ev.target as HTMLInputElement).value.trim().toLocaleLowerCase('es');
    dibujar();
  });
  $('red-filtro').addEventListener('change', (ev) => {
    estado.filtro = (ev.target as HTMLSelectElement).value as Filtro;
    dibujar();
  });
  for (const th of document.querySelectorAll<HTMLElement>('#tabla-red th[data-orden]')) {
    const boton = th.querySelector('button');
    boton?.addEventListener('click', () => {
      const clave = th.dataset.orden as Clave;
      // Numbers start from the largest (most sales, most alerts first); text from A.
      estado.orden =
        estado.orden.clave === clave
          ? { clave, asc: !estado.orden.asc }
          : { clave, asc: clave === 'nombre' || clave === 'propietario' || clave === 'estado' };
      dibujar();
    });
  }
  $('red-estaciones').addEventListener('click', (ev) => {
    const tr = (ev.target as Element).closest<HTMLTableRowElement>('tr[data-estacion]');
    const id = tr?.dataset.estacion;
    if (!tr || !id) return;
    abrirDetalle(id, tr.querySelector('strong')?.textContent ?? id);
    alCambiar();
  });
  const dialogo = $<HTMLDialogElement>('detalle');
  $('detalle-cerrar').addEventListener('click', () => dialogo.close());
  dialogo.addEventListener('close', () => {
    estado.detalle = null;
  });
}
