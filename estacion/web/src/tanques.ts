/**
 * (ext) "Tanques": one card per tank with its level bar (litres of capacity, coloured by fuel), the
 * water at the bottom, temperature, the time of its last reading, its open alerts and the last
 * delivery seen. The snapshot brings every tank with its last reading; `tanque` events (at most one
 * a second per tank) move the bars as pumps sell. Under each card, a small plot of the tank's
 * cumulative variance over the last days (GET /api/conciliacion, read when the panel is drawn from a
 * snapshot and every few minutes).
 */
import { svg } from './chart.js';
import { el, fmtHora, NOMBRE_COMBUSTIBLE } from './format.js';
import type { Alerta, ConciliacionTanque, Descarga, Tanque } from './types.js';

const litrosEnteros = new Intl.NumberFormat('es-CL', { maximumFractionDigits: 0 });
const fmtL = (n: number) => `${litrosEnteros.format(n)} L`;

/** What an alert code means on a tank card. */
const NOMBRE_ALERTA: Record<string, string> = {
  TANQUE_NIVEL_BAJO: 'Nivel bajo',
  TANQUE_AGUA_ALTA: 'Agua alta',
  TANQUE_SIN_LECTURAS: 'Sonda sin lecturas',
  TANQUE_AUTONOMIA_BAJA: 'Se agota pronto',
  FUGA_SOSPECHADA: 'Fuga sospechada',
  DIFERENCIA_INVENTARIO: 'Diferencia de inventario',
};

/** One day's closing cumulative variance (litres at 15 °C, gross when the gauge gives none). */
export interface PuntoVarianza {
  hasta: string;
  litros: number;
}

/** The points each tank's plot draws: the periods that could be measured, oldest first. */
export function puntosVarianza(reporte: readonly ConciliacionTanque[]): Map<number, PuntoVarianza[]> {
  return new Map(
    reporte.map((t) => [
      t.id_tanque,
      t.periodos.flatMap((p) => {
        const v = p.neto_15c ?? p.bruto;
        return v ? [{ hasta: p.hasta, litros: v.varianza_acumulada }] : [];
      }),
    ]),
  );
}

const fmtDia = (iso: string) => new Date(iso).toLocaleDateString('es-CL', { day: '2-digit', month: '2-digit' });

/** The cumulative variance as a line around zero (a loss goes down), with its last value. */
function graficoVarianza(puntos: readonly PuntoVarianza[]): HTMLElement {
  const ultimo = puntos[puntos.length - 1];
  const titulo = ultimo
    ? `Varianza acumulada: ${ultimo.litros > 0 ? '+' : ''}${fmtL(ultimo.litros)}`
    : 'Varianza acumulada: sin datos';
  const w = 160;
  const h = 40;
  const root = svg('svg', { viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': titulo });
  const max = Math.max(1, ...puntos.map((p) => Math.abs(p.litros)));
  const y = (litros: number) => h / 2 - (litros / max) * (h / 2 - 3);
  root.append(svg('line', { x1: 0, x2: w, y1: h / 2, y2: h / 2, class: 'cero' }));
  const paso = puntos.length > 1 ? w / (puntos.length - 1) : 0;
  const coords = puntos.map((p, i) => `${(puntos.length > 1 ? i * paso : w / 2).toFixed(1)},${y(p.litros).toFixed(1)}`);
  if (coords.length > 0) root.append(svg('polyline', { points: coords.join(' '), class: 'linea' }));
  puntos.forEach((p, i) => {
    const punto = svg('circle', { cx: puntos.length > 1 ? i * paso : w / 2, cy: y(p.litros), r: 2, class: 'punto' });
    const t = svg('title', {});
    t.textContent = `${fmtDia(p.hasta)}: ${fmtL(p.litros)}`;
    punto.append(t);
    root.append(punto);
  });
  return el('figure', { class: 'varianza' }, root, el('figcaption', {}, titulo));
}

/** What an alert is called on a card: the sudden-loss rule's FUGA_SOSPECHADA (`…:perdida_subita`) by its own name. */
export function nombreAlerta(a: Pick<Alerta, 'codigo' | 'clave'>): string {
  if (a.codigo === 'FUGA_SOSPECHADA' && a.clave.endsWith(':perdida_subita')) return 'Pérdida súbita';
  return NOMBRE_ALERTA[a.codigo] ?? a.codigo;
}

/** The tank an alert is about (its clave is `CODIGO:id_tanque`), or null. */
export function tanqueDeAlerta(a: Pick<Alerta, 'codigo' | 'clave'>): number | null {
  if (!(a.codigo in NOMBRE_ALERTA)) return null;
  const id = Number(a.clave.split(':')[1]);
  return Number.isInteger(id) ? id : null;
}

function tarjeta(
  t: Tanque,
  alertas: Alerta[],
  descarga: Descarga | undefined,
  varianza: readonly PuntoVarianza[] | undefined,
): HTMLElement {
  const l = t.ultima_lectura;
  const pct = l ? Math.max(0, Math.min(100, (l.litros / t.capacidad_litros) * 100)) : 0;
  const tope = t.calibracion[t.calibracion.length - 1]?.altura_mm ?? 1;
  const aguaPct = l ? Math.max(0, Math.min(100, (l.altura_agua_mm / tope) * 100)) : 0;
  const bajo = l !== null && l.litros < t.nivel_bajo_litros;
  return el(
    'article',
    {
      class: `tanque c-${t.combustible}${bajo ? ' bajo' : ''}`,
      'data-tanque': String(t.id_tanque),
      'aria-label': `${t.nombre}: ${l ? `${Math.round(pct)} %` : 'sin lecturas'}`,
    },
    el(
      'header',
      {},
      el('strong', {}, t.nombre),
      el('span', { class: 'etiqueta comb' }, NOMBRE_COMBUSTIBLE[t.combustible] ?? t.combustible),
    ),
    el(
      'div',
      { class: 'nivel', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': pct.toFixed(1) },
      el('div', { class: 'producto', style: `height: ${pct.toFixed(1)}%` }),
      el('div', { class: 'agua', style: `height: ${aguaPct.toFixed(1)}%` }),
      el('div', {
        class: 'minimo',
        style: `bottom: ${((t.nivel_bajo_litros / t.capacidad_litros) * 100).toFixed(1)}%`,
      }),
      el('span', { class: 'pct' }, l ? `${Math.round(pct)} %` : '—'),
    ),
    el(
      'dl',
      {},
      el('dt', {}, 'Litros'),
      el('dd', { class: 'litros' }, l ? fmtL(l.litros) : '—'),
      el('dt', {}, 'Capac.'),
      el('dd', {}, fmtL(t.capacidad_litros)),
      el('dt', {}, 'Agua'),
      el('dd', {}, l ? `${l.altura_agua_mm.toFixed(0)} mm` : '—'),
      el('dt', {}, 'Temp.'),
      el('dd', {}, l ? `${l.temperatura_c.toFixed(1)} °C` : '—'),
      el('dt', {}, 'Lectura'),
      el('dd', { class: 'hora' }, l ? fmtHora(l.recibida) : 'sin lecturas'),
    ),
    ...(descarga
      ? [el('p', { class: 'descarga' }, `Descarga ${fmtL(descarga.litros)} · ${fmtHora(descarga.fin)}`)]
      : []),
    ...(alertas.length > 0
      ? [el('ul', { class: 'alertas-tanque' }, ...alertas.map((a) => el('li', { title: a.mensaje }, nombreAlerta(a))))]
      : []),
    ...(varianza ? [graficoVarianza(varianza)] : []),
  );
}

/** Draws every tank, by id, with its open alerts, last delivery and cumulative variance (when read). */
export function renderTanques(
  cont: HTMLElement,
  tanques: Iterable<Tanque>,
  alertas: Iterable<Alerta>,
  descargas: ReadonlyMap<number, Descarga>,
  varianzas: ReadonlyMap<number, readonly PuntoVarianza[]> = new Map(),
): void {
  const porTanque = new Map<number, Alerta[]>();
  for (const a of alertas) {
    const id = tanqueDeAlerta(a);
    if (id === null || a.resuelta) continue;
    porTanque.set(id, [...(porTanque.get(id) ?? []), a]);
  }
  const lista = [...tanques].sort((a, b) => a.id_tanque - b.id_tanque);
  cont.replaceChildren(
    ...(lista.length > 0
      ? lista.map((t) =>
          tarjeta(t, porTanque.get(t.id_tanque) ?? [], descargas.get(t.id_tanque), varianzas.get(t.id_tanque)),
        )
      : [el('p', { class: 'vacio' }, 'Sin tanques configurados.')]),
  );
}
