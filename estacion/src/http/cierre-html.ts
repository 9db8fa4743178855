/**
 * A close as a printable page (Spanish, A4): the station, the range, who closed it, the totals
 * tables and lines to sign. Served by GET /api/cierres/:id_cierre (Accept: text/html) and
 * GET /cierres/:id_cierre/imprimir. Every value is escaped: names come from pumps and users.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Cierre, TotalesCierre } from '../domain/types.js';
import { conciliacionTanque } from './schemas.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (v: string) => v.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const pesos = new Intl.NumberFormat('es-CL', { style: 'currency', currency: 'CLP', maximumFractionDigits: 0 });
const numero = new Intl.NumberFormat('es-CL');
const litros = new Intl.NumberFormat('es-CL', { minimumFractionDigits: 3, maximumFractionDigits: 3 });

const METODOS: Record<string, string> = { efectivo: 'Efectivo', tarjeta: 'Tarjeta', transferencia: 'Transferencia' };
const COMBUSTIBLES: Record<string, string> = {
  '93': 'Gasolina 93',
  '95': 'Gasolina 95',
  '97': 'Gasolina 97',
  diesel: 'Diésel',
};

/** An instant as the station's operators read it: date and time in the station's zone. */
function fechaHora(iso: string, zona: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  try {
    // Spelled out: es-CL's short styles give a two-digit year and a 12-hour "12:00:00 a. m.".
    return new Intl.DateTimeFormat('es-CL', {
      timeZone: zona,
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).format(ms);
  } catch {
    return iso;
  }
}

function tabla(titulo: string, encabezado: string, filas: { etiqueta: string; t: TotalesCierre }[]): string {
  const cuerpo =
    filas.length === 0
      ? '<tr><td colspan="5" class="vacio">Sin ventas</td></tr>'
      : filas
          .map(
            ({ etiqueta, t }) =>
              `<tr><td>${esc(etiqueta)}</td><td class="n">${numero.format(t.transacciones)}</td>` +
              `<td class="n">${litros.format(t.litros)}</td><td class="n">${pesos.format(t.monto)}</td>` +
              `<td class="n">${pesos.format(t.reembolsos)}</td></tr>`,
          )
          .join('\n');
  return `<section>
<h2>${esc(titulo)}</h2>
<table>
<thead><tr><th>${esc(encabezado)}</th><th class="n">Ventas</th><th class="n">Litros</th><th class="n">Monto</th><th class="n">Reembolsos</th></tr></thead>
<tbody>
${cuerpo}
</tbody>
</table>
</section>`;
}

/** The close's reconciliation as stored (app/cierres.ts); anything else is left off the page. */
const conciliacionCierre = z.object({ cierre_anterior: z.string().nullable(), tanques: z.array(conciliacionTanque) });

const litros1 = new Intl.NumberFormat('es-CL', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const conSigno = (n: number) => `${n > 0 ? '+' : ''}${litros1.format(n)}`;

/** Opening, sales, deliveries, expected, measured, variance and cumulative variance per tank (litres at 15 °C when the gauge gives them). */
function tablaConciliacion(c: Cierre): string {
  if (c.conciliacion === null) return '';
  const r = conciliacionCierre.safeParse(c.conciliacion);
  if (!r.success) return '<section><h2>Conciliación de inventario</h2><p class="vacio">No disponible</p></section>';
  const filas = r.data.tanques.map((t) => {
    const p = t.periodos[0];
    const v = p?.neto_15c ?? p?.bruto;
    if (!p || !v)
      return `<tr><td>Tanque ${t.id_tanque}</td><td colspan="7" class="vacio">Sin lecturas al inicio o al final</td></tr>`;
    return (
      `<tr><td>Tanque ${t.id_tanque}${p.neto_15c ? '' : ' (bruto)'}</td>` +
      [v.stock_inicial, v.ventas, v.descargas, v.stock_esperado, v.stock_medido]
        .map((n) => `<td class="n">${litros1.format(n)}</td>`)
        .join('') +
      `<td class="n">${conSigno(v.varianza)}</td><td class="n">${conSigno(v.varianza_acumulada)}</td></tr>`
    );
  });
  return `<section class="conciliacion">
<h2>Conciliación de inventario</h2>
<table>
<thead><tr><th>Tanque</th><th class="n">Stock inicial</th><th class="n">Ventas</th><th class="n">Descargas</th><th class="n">Esperado</th><th class="n">Medido</th><th class="n">Varianza</th><th class="n">Acumulada</th></tr></thead>
<tbody>
${filas.join('\n')}
</tbody>
</table>
<p class="nota">Litros a 15 °C (brutos donde la sonda no los da). Varianza: medido − esperado; negativa, faltan litros. Acumulada desde ${
    r.data.cierre_anterior === null ? 'este cierre' : `el cierre ${esc(r.data.cierre_anterior)}`
  }.</p>
</section>`;
}

const ESTILO = `
  :root { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #111; }
  body { margin: 2rem auto; max-width: 48rem; padding: 0 1rem; font-size: 11pt; line-height: 1.35; }
  header { border-bottom: 2px solid #111; padding-bottom: .5rem; margin-bottom: 1rem; }
  h1 { font-size: 16pt; margin: 0 0 .25rem; }
  h2 { font-size: 12pt; margin: 1.25rem 0 .4rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0 0; }
  dt { font-weight: 600; }
  dd { margin: 0; }
  /* Fixed layout: the columns of every table line up, one under the other. */
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; table-layout: fixed; }
  th:first-child, td:first-child { width: 32%; overflow-wrap: anywhere; }
  .conciliacion table { font-size: 9pt; }
  .conciliacion th:first-child, .conciliacion td:first-child { width: 16%; }
  th, td { border-bottom: 1px solid #bbb; padding: .25rem .4rem; text-align: left; }
  thead th { border-bottom: 1.5px solid #111; font-weight: 600; }
  .n { text-align: right; white-space: nowrap; }
  .total td { font-weight: 700; border-top: 1.5px solid #111; }
  .vacio { color: #555; font-style: italic; }
  .nota { color: #444; font-size: 9pt; margin-top: .4rem; }
  .firmas { display: grid; grid-template-columns: 1fr 1fr; gap: 3rem; margin-top: 4rem; break-inside: avoid; }
  .firma { border-top: 1px solid #111; padding-top: .3rem; text-align: center; font-size: 10pt; }
  .acciones { margin: 1rem 0; }
  .acciones button { font: inherit; padding: .4rem 1rem; cursor: pointer; }
  section { break-inside: avoid; }
  @page { size: A4; margin: 15mm; }
  @media print {
    body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
    .acciones { display: none; }
  }
`;

export function paginaCierre(c: Cierre, estacion: { id: string; nombre: string }): string {
  const z = c.zona_horaria;
  const titulo = c.fecha
    ? `Cierre del día ${c.fecha}${c.turno ? `, turno ${c.turno}` : ''}`
    : `Cierre${c.turno ? ` del turno ${c.turno}` : ''}`;
  const totalFila = `<tr class="total"><td>Total</td><td class="n">${numero.format(c.total.transacciones)}</td>
<td class="n">${litros.format(c.total.litros)}</td><td class="n">${pesos.format(c.total.monto)}</td>
<td class="n">${pesos.format(c.total.reembolsos)}</td></tr>`;
  const resumen = tabla(
    'Por combustible',
    'Combustible',
    c.por_combustible.map((g) => ({ etiqueta: COMBUSTIBLES[g.tipo_combustible] ?? g.tipo_combustible, t: g })),
  ).replace('</tbody>', `${totalFila}\n</tbody>`);
  return `<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(titulo)} · ${esc(estacion.nombre)}</title>
<style>${ESTILO}</style>
</head>
<body>
<header>
<h1>${esc(titulo)}</h1>
<dl>
<dt>Estación</dt><dd>${esc(estacion.nombre)} (${esc(estacion.id)})</dd>
<dt>Desde</dt><dd>${esc(fechaHora(c.desde, z))}</dd>
<dt>Hasta</dt><dd>${esc(fechaHora(c.hasta, z))}</dd>
<dt>Zona horaria</dt><dd>${esc(z)}</dd>
<dt>Cerrado por</dt><dd>${esc(c.usuario)}, el ${esc(fechaHora(c.creado, z))}</dd>
<dt>N.º de cierre</dt><dd>${esc(c.id_cierre)}</dd>
</dl>
</header>
<div class="acciones"><button type="button" onclick="window.print()">Imprimir</button></div>
<main>
${resumen}
${tabla(
  'Por surtidor',
  'Surtidor',
  c.por_surtidor.map((g) => ({
    etiqueta: `${g.id_surtidor}${g.nombre_surtidor ? ` · ${g.nombre_surtidor}` : ''}`,
    t: g,
  })),
)}
${tabla(
  'Por medio de pago',
  'Medio de pago',
  c.por_metodo_pago.map((g) => ({ etiqueta: METODOS[g.metodo_pago] ?? g.metodo_pago, t: g })),
)}
${tabla(
  'Por operador',
  'Operador',
  c.por_operador.map((g) => ({ etiqueta: g.operador ?? 'Sin operador', t: g })),
)}
${c.por_operador_truncado ? '<p class="nota">Más operadores que los que un cierre detalla: el resto figura como «(otros)».</p>' : ''}
<p class="nota">Montos en pesos chilenos. Los reembolsos son lo que se debe devolver de ventas prepagadas. Un cierre no cambia una vez hecho.</p>
${tablaConciliacion(c)}
</main>
<div class="firmas">
<div class="firma">Firma del supervisor</div>
<div class="firma">Firma del operador</div>
</div>
</body>
</html>
`;
}

/** Answers with the close's printable page. */
export function enviarPaginaCierre(reply: FastifyReply, c: Cierre, estacion: { id: string; nombre: string }) {
  return reply.type('text/html; charset=utf-8').send(paginaCierre(c, estacion));
}
