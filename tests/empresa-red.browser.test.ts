/**
 * The company page's network view, sales chart and sales list (issue 15) in a real browser against
 * a real company process (the page, the login, the session), with the network APIs (GET /api/red,
 * /api/resumen, /api/ventas, /api/estaciones/:id) answered by the browser from a realistic
 * fixture (tests/helpers/red-fixture.ts): 20 stations with the odd ones (no pumps, down for days,
 * reconnecting, behind on prices, not reporting), 14 days of sales with a day without any.
 * Then the same page against a real company whose store was seeded with reported sales, pumps and
 * alerts, a real station connected to it. Screenshots go to tests/screenshots/empresa-red*.png and
 * empresa-ventas*.png.
 */
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.js';
import { browserTestsAvailable, companyPage, screenshot } from './helpers/dashboard.js';
import type { VentaReportada } from '@combustible/shared';
import { createStore } from '../empresa/src/store/index.js';
import {
  entrante,
  unaAlertaReportada,
  unaEstacion,
  unaVentaReportada,
  unSurtidorReportado,
} from '../empresa/src/store/test-builders.js';
import { type CompanyProcess, eventually, startCompanyProcess, stationAddress } from './helpers/empresa.js';
import { removeTempDirs, startPumps, startStationProcess, type StationProcess, tempDir } from './helpers/processes.js';
import {
  detalleFixture,
  diaEnZona,
  type EstacionFixture,
  estacionesFixture,
  redFixture,
  resumenFixture,
  ventasFixture,
} from './helpers/red-fixture.js';

const available = browserTestsAvailable();
/** Tests are typed without the DOM lib: elements by the methods used of them. */
type Nodo = { getAttribute(name: string): string | null; querySelectorAll(selector: string): { length: number } };
const LECTOR = { usuario: 'luis', clave: 'clave-de-luis-1' };
/** The network view polls every 5 s: a change shows within a round and a pause. */
const ROUND = { timeout: 15_000 };

/** A page of `context` at the company's `#vista`, logged in as LECTOR, once online. */
const entrar = (context: BrowserContext, company: CompanyProcess, vista: string) =>
  companyPage(context, company.api, vista, LECTOR);

/** What the mocked API answers; a test may change it between rounds. */
interface Red {
  estaciones: EstacionFixture[];
  resumen: ReturnType<typeof resumenFixture>;
  ventas: ReturnType<typeof ventasFixture>;
  /** Requests seen, as path?query. */
  vistas: string[];
}

describe.skipIf(!available)('company page: network view (mocked network APIs)', () => {
  let company: CompanyProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    company = await startCompanyProcess({ flags: { nombre: 'Combustibles del Sur' } });
    await company.request('/api/usuarios', 'POST', { nombre: LECTOR.usuario, rol: 'lectura', clave: LECTOR.clave });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await company?.stop('SIGKILL');
    removeTempDirs();
  });

  /** A logged-in page at `#vista`, with the network APIs answered from `red`. */
  async function openPage(vista: string, red: Red, width = 1400): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'es-CL' });
    contexts.push(context);
    const json = (route: Route, body: unknown, headers: Record<string, string> = {}) =>
      route.fulfill({ status: 200, contentType: 'application/json', headers, body: JSON.stringify(body) });
    await context.route(
      (url) =>
        ['/api/red', '/api/resumen', '/api/ventas'].includes(url.pathname) ||
        /^\/api\/estaciones\/est-/.test(url.pathname),
      async (route) => {
        const url = new URL(route.request().url());
        red.vistas.push(`${url.pathname}${url.search}`);
        const ahora = Date.now();
        if (url.pathname === '/api/red') return json(route, redFixture(ahora, red.estaciones));
        if (url.pathname === '/api/resumen') return json(route, red.resumen);
        if (url.pathname === '/api/ventas') {
          const q = url.searchParams;
          const todas = red.ventas.filter(
            (v) =>
              (!q.get('estacion') || v.id_estacion === q.get('estacion')) &&
              (!q.get('combustible') || v.tipo_combustible === q.get('combustible')),
          );
          const salto = Number(q.get('offset') ?? q.get('skip') ?? 0);
          const limit = Number(q.get('limit') ?? 50);
          return json(route, todas.slice(salto, salto + limit), { 'x-total-count': String(todas.length) });
        }
        const e = red.estaciones.find((x) => url.pathname === `/api/estaciones/${x.id_estacion}`);
        if (!e)
          return route.fulfill({
            status: 404,
            contentType: 'application/json',
            body: '{"error":{"codigo":"ESTACION_NO_ENCONTRADA","mensaje":"no existe"}}',
          });
        return json(route, detalleFixture(e, ahora));
      },
    );
    return entrar(context, company, vista);
  }

  const nueva = (estaciones = estacionesFixture(Date.now())): Red => ({
    estaciones,
    resumen: resumenFixture(Date.now()),
    ventas: ventasFixture(Date.now()),
    vistas: [],
  });

  const fila = (page: Page, id: string) => page.locator(`#red-estaciones tr[data-estacion="${id}"]`);

  it('lists every station with its link, prices, sales today, alerts and reports lag, with totals', async () => {
    const red = nueva();
    const page = await openPage('red', red);
    await expect.poll(() => page.locator('#red-estaciones tr[data-estacion]').count(), ROUND).toBe(20);
    expect(await page.locator('#vista-precios').isVisible()).toBe(false);
    expect(await page.getAttribute('#vistas a[href="#red"]', 'aria-current')).toBe('page');

    // Sorted by name: Alameda first; Ñuñoa after Maipú (Spanish order).
    const nombres = await page.locator('#red-estaciones tr strong').allTextContents();
    expect(nombres[0]).toBe('Estación Alameda');
    expect(nombres.indexOf('Estación Ñuñoa')).toBe(nombres.indexOf('Estación Maipú') + 1);

    const centro = red.estaciones[0]!;
    const c = fila(page, 'est-01');
    expect(await c.locator('.estado').textContent()).toBe('sincronizado');
    expect(await c.locator('[data-version]').textContent()).toBe('7 ✓');
    expect(await c.locator('[data-cumplimiento]').textContent()).toBe(
      `${centro.surtidores.total} de ${centro.surtidores.total}`,
    );
    const celdas = await c.locator('td').allTextContents();
    expect(celdas[5]).toBe(String(centro.ventas_hoy.transacciones));
    expect(celdas[7]).toBe(`$${centro.ventas_hoy.monto.toLocaleString('es-CL')}`);
    expect(celdas[7]).toMatch(/^\$\d{1,3}(\.\d{3})+$/);
    expect(celdas[6]).toMatch(/^\d{1,3}(\.\d{3})*,\d L$/);
    expect(celdas[10]).toBe('empresa-a');

    // A station without pumps, one down for days, one reconnecting, one behind, one not reporting.
    expect(await fila(page, 'est-05').locator('[data-cumplimiento]').textContent()).toBe('sin surtidores');
    const caida = fila(page, 'est-08');
    expect(await caida.getAttribute('class')).toContain('sin-enlace');
    expect(await caida.locator('.estado').textContent()).toBe('desconectado');
    expect(await caida.locator('td.fecha').textContent()).toBe('hace 3 d');
    expect(await caida.locator('.alertas').textContent()).toBe('2 críticas');
    expect((await caida.locator('td').allTextContents())[9]).toBe('842');
    expect(await fila(page, 'est-12').locator('.etiqueta').last().textContent()).toBe('sin conexión');
    expect(await fila(page, 'est-10').locator('[data-version]').textContent()).toBe('5 (vigente 7)');
    expect(await fila(page, 'est-10').locator('[data-cumplimiento]').getAttribute('class')).toContain('atrasada');
    expect(await fila(page, 'est-04').locator('.alertas').textContent()).toBe('1 crítica2 advertencias');
    expect((await fila(page, 'est-19').locator('td').allTextContents())[9]).toBe('—');

    // The totals row and the cards count the whole network.
    const r = redFixture(Date.now(), red.estaciones);
    const totales = await page.locator('#red-totales td, #red-totales th').allTextContents();
    expect(totales[0]).toBe('Total (20 estaciones)');
    expect(totales[1]).toBe(`${r.totales.conectadas} conectadas`);
    expect(totales[4]).toBe(`${r.totales.surtidores_al_dia} de ${r.totales.surtidores}`);
    expect(totales[7]).toBe(`$${r.totales.ventas_hoy.monto.toLocaleString('es-CL')}`);
    expect(await page.textContent('#red-conectadas dd')).toBe('18 de 20');
    expect(await page.textContent('#red-cumplimiento dd')).toBe(
      `${r.totales.surtidores_al_dia} de ${r.totales.surtidores}`,
    );
    expect(await page.textContent('#red-alertas dd')).toBe('6');
    await screenshot(page, 'empresa-red.png');

    // Sorting: by amount today, largest first; a second click reverses it.
    await page.click('th[data-orden="monto"] button');
    const mayor = [...red.estaciones].sort((a, b) => b.ventas_hoy.monto - a.ventas_hoy.monto)[0]!;
    expect(await page.locator('#red-estaciones tr').first().getAttribute('data-estacion')).toBe(mayor.id_estacion);
    expect(await page.getAttribute('th[data-orden="monto"]', 'aria-sort')).toBe('descending');
    await page.click('th[data-orden="monto"] button');
    expect(await page.getAttribute('th[data-orden="monto"]', 'aria-sort')).toBe('ascending');
    expect(await page.locator('#red-estaciones tr').first().locator('td').nth(7).textContent()).toBe('$0');

    // Filtering: by text (name, id, replica), then by problem.
    await page.fill('#red-buscar', 'ñuñ');
    expect(await page.locator('#red-estaciones tr[data-estacion]').count()).toBe(1);
    expect(await page.textContent('#red-cuenta')).toBe('1 de 20 estaciones');
    expect(await page.locator('#red-totales th').textContent()).toBe('Total (1 estación)');
    await page.fill('#red-buscar', 'no existe');
    expect(await page.textContent('#red-estaciones')).toBe('Ninguna estación coincide con el filtro.');
    await page.fill('#red-buscar', '');
    await page.selectOption('#red-filtro', 'desconectadas');
    expect(
      await page
        .locator('#red-estaciones tr[data-estacion]')
        .evaluateAll((f: Nodo[]) => f.map((x) => x.getAttribute('data-estacion'))),
    ).toEqual(['est-08', 'est-12']);
    await page.selectOption('#red-filtro', 'atrasadas');
    expect(await page.locator('#red-estaciones tr[data-estacion]').count()).toBe(3);
  });

  it('opens a station: its pumps with the version each holds, its open alerts; a station without pumps says so', async () => {
    const red = nueva();
    const page = await openPage('red', red);
    await expect.poll(() => fila(page, 'est-03').count(), ROUND).toBe(1);
    await fila(page, 'est-03').locator('button.abrir-detalle').click();
    await expect.poll(() => page.locator('#detalle-surtidores tbody tr').count(), ROUND).toBe(4);
    expect(await page.locator('#detalle').isVisible()).toBe(true);
    expect(await page.textContent('#detalle-titulo')).toBe('Estación Providencia');
    expect(await page.textContent('#detalle-cuerpo h4')).toBe('Surtidores: 2 de 4 al día (versión 7)');
    const versiones = await page.locator('#detalle-surtidores tbody tr td:nth-child(3)').allTextContents();
    expect(versiones).toEqual(['7 ✓', '7 ✓', '6 (atrasada)', '6 (atrasada)']);
    expect(await page.textContent('#detalle-cuerpo')).toContain('Sin alertas abiertas.');
    await page.click('#detalle-cerrar');
    expect(await page.locator('#detalle').isVisible()).toBe(false);

    // Alerts, worst first.
    await fila(page, 'est-04').click();
    await expect.poll(() => page.locator('#detalle-alertas li').count(), ROUND).toBe(3);
    expect(await page.locator('#detalle-alertas li .sev').allTextContents()).toEqual([
      'crítica',
      'advertencia',
      'advertencia',
    ]);
    expect(await page.locator('#detalle-alertas li').first().textContent()).toContain('FUGA_SOSPECHADA');
    await screenshot(page, 'empresa-red-detalle.png');
    await page.keyboard.press('Escape');
    expect(await page.locator('#detalle').isVisible()).toBe(false);

    await fila(page, 'est-05').locator('button.abrir-detalle').click();
    await expect
      .poll(() => page.textContent('#detalle-cuerpo'), ROUND)
      .toContain('La estación no ha informado surtidores.');
    await page.click('#detalle-cerrar');
  });

  it('refreshes in place: a changed station updates, the other rows stay the same elements', async () => {
    const red = nueva();
    const page = await openPage('red', red);
    await expect.poll(() => fila(page, 'est-02').count(), ROUND).toBe(1);
    // The row elements now: a redrawn row would be another element.
    const antes = { uno: await fila(page, 'est-01').elementHandle(), dos: await fila(page, 'est-02').elementHandle() };
    red.estaciones[1] = { ...red.estaciones[1]!, ventas_hoy: { transacciones: 9999, litros: 1, monto: 1 } };
    await expect.poll(() => fila(page, 'est-02').locator('td').nth(5).textContent(), ROUND).toBe('9.999');
    expect(await fila(page, 'est-01').evaluate((ahora, antes) => ahora === antes, antes.uno)).toBe(true);
    expect(await fila(page, 'est-02').evaluate((ahora, antes) => ahora === antes, antes.dos)).toBe(false);
  });

  it('draws sales by day and fuel for the last 14 days, in pesos or litres, with a table of the same numbers', async () => {
    const red = nueva();
    const page = await openPage('red', red);
    await expect.poll(() => page.locator('#grafico g[data-dia]').count(), ROUND).toBe(14);
    const pedido = red.vistas.find((v) => v.startsWith('/api/resumen?'))!;
    const q = new URL(pedido, 'http://x').searchParams;
    // From the start of the day 13 days back in the company's zone (03:00Z in summer in Santiago).
    const hoy = diaEnZona(Date.now());
    expect(q.get('desde')).toMatch(/^\d{4}-\d{2}-\d{2}T0[345]:00:00\.000Z$/);
    expect(Date.parse(q.get('hasta')!)).toBeGreaterThan(Date.parse(q.get('desde')!));
    const dias = await page
      .locator('#grafico g[data-dia]')
      .evaluateAll((g: Nodo[]) => g.map((x) => x.getAttribute('data-dia')));
    expect(dias[13]).toBe(hoy);
    // Four fuels a day, none on the day without sales, no diesel on two days.
    const barras = await page
      .locator('#grafico g[data-dia]')
      .evaluateAll((g: Nodo[]) => g.map((x) => x.querySelectorAll('rect').length));
    expect(barras.filter((n) => n === 0)).toHaveLength(1);
    expect(barras.filter((n) => n === 3)).toHaveLength(2);
    const leyenda = await page.locator('#grafico .leyenda span').allTextContents();
    expect(leyenda.map((t) => t.split(' · ')[0])).toEqual(['93', '95', '97', 'Diésel']);
    for (const t of leyenda) expect(t).toMatch(/ · \$\d{1,3}(\.\d{3})+$/);
    expect(await page.textContent('#grafico-titulo')).toBe(
      'Ventas por día y combustible, últimos 14 días (monto en pesos)',
    );
    expect(await page.textContent('#grafico-desc')).toMatch(/^Total \$[\d.]+; el día de más ventas fue el /);
    expect(await page.locator('#grafico-tabla tbody tr').count()).toBe(14);
    expect(await page.locator('#grafico-tabla tbody tr').first().getAttribute('data-dia')).toBe(hoy);
    await page.locator('#t-grafico').scrollIntoViewIfNeeded();
    await screenshot(page, 'empresa-red-grafico.png');

    await page.check('input[name="grafico-unidad"][value="litros"]');
    expect(await page.textContent('#grafico-titulo')).toBe('Ventas por día y combustible, últimos 14 días (litros)');
    expect(await page.locator('#grafico .eje').first().textContent()).toBe('0 L');
    expect(await page.locator('#grafico .leyenda span').first().textContent()).toMatch(/^93 · [\d.]+,\d L$/);

    // Another period is read again.
    await page.selectOption('#grafico-dias', '7');
    await expect.poll(() => page.locator('#grafico g[data-dia]').count(), ROUND).toBe(7);
  });

  it('says plainly when there is nothing: no stations, no sales in the period, no sales reported', async () => {
    const red = nueva([]);
    red.resumen = resumenFixture(Date.now(), [...Array(14).keys()]);
    red.ventas = [];
    const page = await openPage('red', red, 1000);
    await expect.poll(() => page.textContent('#red-estaciones'), ROUND).toBe('No hay estaciones registradas.');
    await expect.poll(() => page.textContent('#grafico .sin-datos'), ROUND).toBe('Sin ventas en estos 14 días');
    expect(await page.textContent('#red-totales th')).toBe('Total (0 estaciones)');
    expect(await page.textContent('#red-conectadas dd')).toBe('0 de 0');
    await screenshot(page, 'empresa-red-vacia.png');
    await page.click('#vistas a[href="#ventas"]');
    await expect.poll(() => page.textContent('#ventas'), ROUND).toBe('Las estaciones aún no han informado ventas.');
    expect(await page.textContent('#ventas-cuenta')).toBe('Sin ventas');
  });

  it('lists the network sales a page at a time, filters them, and links the CSV of the same filters', async () => {
    const red = nueva();
    const page = await openPage('ventas', red);
    await expect.poll(() => page.locator('#ventas tr[data-venta]').count(), ROUND).toBe(50);
    expect(await page.textContent('#ventas-cuenta')).toBe('1–50 de 137 ventas');
    expect(await page.isDisabled('#ventas-anterior')).toBe(true);
    const primera = await page.locator('#ventas tr').first().locator('td').allTextContents();
    const v = red.ventas[0]!;
    expect(primera[1]).toBe('Estación Centroest-01');
    expect(primera[3]).toBe('93');
    expect(primera[6]).toBe(`$${v.monto_total.toLocaleString('es-CL')}`);
    expect(primera[5]).toBe('$1.290');
    await screenshot(page, 'empresa-ventas.png');

    await page.click('#ventas-siguiente');
    await expect.poll(() => page.textContent('#ventas-cuenta'), ROUND).toBe('51–100 de 137 ventas');
    expect(red.vistas.at(-1)).toMatch(/^\/api\/ventas\?limit=50&offset=50$/);
    await page.click('#ventas-siguiente');
    await expect.poll(() => page.textContent('#ventas-cuenta'), ROUND).toBe('101–137 de 137 ventas');
    expect(await page.isDisabled('#ventas-siguiente')).toBe(true);

    // Filters go to the API (days as instants in the company's zone) and to the CSV link.
    await page.fill('input[name="estacion"]', 'est-02');
    await page.selectOption('select[name="combustible"]', '95');
    await page.fill('input[name="desde"]', '2026-11-01');
    await page.fill('input[name="hasta"]', '2026-11-30');
    await page.click('#form-ventas button[type="submit"]');
    await expect.poll(() => page.textContent('#ventas-cuenta'), ROUND).toMatch(/de \d+ ventas$/);
    const ultima = new URL(red.vistas.at(-1)!, 'http://x').searchParams;
    expect(Object.fromEntries(ultima)).toEqual({
      estacion: 'est-02',
      combustible: '95',
      desde: '2026-11-01T03:00:00.000Z',
      hasta: '2026-12-01T02:59:59.999Z',
      limit: '50',
      offset: '0',
    });
    const csv = new URL((await page.getAttribute('#ventas-csv', 'href'))!, 'http://x');
    expect(csv.pathname).toBe('/api/ventas');
    expect(Object.fromEntries(csv.searchParams)).toMatchObject({
      estacion: 'est-02',
      combustible: '95',
      formato: 'csv',
    });
    expect(csv.searchParams.has('offset')).toBe(false);
    const todas = await page.locator('#ventas tr[data-venta] td:nth-child(4)').allTextContents();
    expect(new Set(todas)).toEqual(new Set(['95']));

    // A wrong filter is said, and not sent.
    const antes = red.vistas.length;
    await page.fill('input[name="surtidor"]', '0');
    await page.click('#form-ventas button[type="submit"]');
    expect(await page.textContent('#mensaje-ventas')).toBe('Surtidor: un número entero positivo.');
    await page.fill('input[name="surtidor"]', '');
    await page.fill('input[name="hasta"]', '2026-10-01');
    await page.click('#form-ventas button[type="submit"]');
    expect(await page.textContent('#mensaje-ventas')).toBe('«Hasta» es anterior a «Desde».');
    expect(red.vistas.slice(antes).filter((v) => v.startsWith('/api/ventas') && v.includes('hasta=2026-10'))).toEqual(
      [],
    );
    await page.click('#form-ventas button[type="reset"]');
    await expect.poll(() => page.textContent('#ventas-cuenta'), ROUND).toBe('1–50 de 137 ventas');
  });
});

/**
 * The same page against a real company: a real station (centro) with simulated pumps that sold and
 * forwarded its sales upstream, and two stations that do not answer whose reports were seeded in
 * the company's store through the store port as the report intake writes them (14 days of sales
 * with a day without any, pumps at two versions, an open alert and a resolved one).
 */
describe.skipIf(!available)('company page: network view (real company, seeded store)', () => {
  let company: CompanyProcess;
  let station: StationProcess;
  let browser: Browser;
  const ahora = Date.now();
  const ventas: VentaReportada[] = [];
  const estacionDe = new Map<string, string>();

  beforeAll(async () => {
    station = await startStationProcess({ flags: { id: 'centro', nombre: 'Estación Centro' } });
    const dataDir = tempDir('empresa-red-');
    const store = createStore({ dataDir });
    await store.setup();
    const [host, puerto] = stationAddress(station).split(':');
    for (const e of [
      { id_estacion: 'centro', nombre: 'Estación Centro', host: host!, puerto: Number(puerto) },
      // Nothing listens on ports 9 and 7 of this machine: these links never come up.
      { id_estacion: 'norte', nombre: 'Estación Norte', host: '127.0.0.1', puerto: 9 },
      { id_estacion: 'sur', nombre: 'Estación Sur', host: '127.0.0.1', puerto: 7 },
    ])
      await store.insertStation(unaEstacion(e));
    const seq = new Map<string, number>();
    const reporte = (id: string, registro: Parameters<typeof entrante>[2]) => {
      const n = (seq.get(id) ?? 0) + 1;
      seq.set(id, n);
      return entrante(id, n, registro, new Date(ahora).toISOString());
    };
    const lote: ReturnType<typeof entrante>[] = [];
    // 14 days of sales at norte (93 and diesel), none 5 days back.
    for (let d = 0; d < 14; d++) {
      if (d === 5) continue;
      const fin = ahora - d * 86_400_000 - 60_000;
      for (const [id, tipo_combustible, litros, precio] of [
        ['norte', '93', 35.5, 1290],
        ['norte', 'diesel', 80.25, 1120],
      ] as const) {
        const v = unaVentaReportada({
          id_transaccion: `${id}-${d}-${tipo_combustible}`,
          id_surtidor: tipo_combustible === 'diesel' ? 2 : 1,
          tipo_combustible,
          litros,
          precio_por_litro: precio,
          fecha_inicio: new Date(fin - 120_000).toISOString(),
          fecha_fin: new Date(fin).toISOString(),
          recibida: new Date(fin + 1000).toISOString(),
        });
        ventas.push(v);
        estacionDe.set(v.id_transaccion, id);
        lote.push(reporte(id, { clase: 'venta', datos: v }));
      }
    }
    const t = new Date(ahora - 600_000).toISOString();
    for (const [id, id_surtidor, version_precios] of [
      ['norte', 1, 1],
      ['norte', 2, 1],
      ['norte', 3, 0],
    ] as const)
      lote.push(
        reporte(id, {
          clase: 'surtidor',
          datos: unSurtidorReportado({ id_surtidor, nombre: `Isla ${id_surtidor}`, version_precios, actualizado: t }),
        }),
      );
    lote.push(
      reporte('norte', {
        clase: 'alerta',
        datos: unaAlertaReportada({
          id: 'fuga-1',
          codigo: 'FUGA_SOSPECHADA',
          severidad: 'critica',
          mensaje: 'Tanque 2: la varianza acumulada supera 0,5 % de lo vendido',
          id_surtidor: null,
          creada: t,
        }),
      }),
      reporte('norte', {
        clase: 'alerta',
        datos: unaAlertaReportada({ id: 'resuelta-1', severidad: 'advertencia', creada: t, resuelta: t }),
      }),
    );
    await store.saveReports(lote, { maxApartados: 100 });
    await store.close();
    company = await startCompanyProcess({ dataDir, flags: { nombre: 'Combustibles del Sur' } });
    await company.request('/api/usuarios', 'POST', { nombre: LECTOR.usuario, rol: 'lectura', clave: LECTOR.clave });

    // centro sells for real (two simulated pumps) and forwards its sales upstream; then its
    // pumps stop, and the company holds every sale the station stored.
    const sim = await startPumps(station.pumpPort, { count: 2, meanInterval: 0.2, speed: 50 });
    await eventually(
      'centro stored 6 sales',
      async () => (await station.request<unknown[]>('/api/transacciones?limit=1000')).length >= 6,
      30_000,
    );
    await sim.stop('SIGTERM');
    const vendidas = await station.request<VentaReportada[]>('/api/transacciones?limit=1000');
    for (const v of vendidas) {
      ventas.push(v);
      estacionDe.set(v.id_transaccion, 'centro');
    }
    await eventually(
      'the company holds every sale of centro',
      async () =>
        (await company.request<unknown[]>('/api/ventas?estacion=centro&limit=1000')).length >= vendidas.length,
      30_000,
    );
    browser = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await company?.stop('SIGKILL');
    await station?.stop('SIGKILL');
    removeTempDirs();
  });

  const openPage = async (vista: string) =>
    entrar(await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'es-CL' }), company, vista);

  const hoy = () => diaEnZona(ahora);
  const suma = (vs: VentaReportada[]) => vs.reduce((a, v) => a + v.monto_total, 0);
  const pesos = (n: number) => `$${n.toLocaleString('es-CL')}`;

  it('shows each station with its link, price compliance of its pumps, sales today and open alerts', async () => {
    const page = await openPage('red');
    const fila = (id: string) => page.locator(`#red-estaciones tr[data-estacion="${id}"]`);
    await expect.poll(() => fila('centro').locator('.estado').textContent(), ROUND).toBe('sincronizado');
    expect(await page.locator('#red-estaciones tr[data-estacion]').count()).toBe(3);
    await expect.poll(() => fila('centro').locator('[data-cumplimiento]').textContent(), ROUND).toBe('2 de 2');
    expect((await fila('centro').locator('td').allTextContents())[9]).toBe('0');
    expect(await fila('norte').locator('[data-cumplimiento]').textContent()).toBe('2 de 3');
    expect(await fila('sur').locator('[data-cumplimiento]').textContent()).toBe('sin surtidores');
    expect(await fila('norte').locator('.alertas').textContent()).toBe('1 crítica');
    expect(await fila('norte').getAttribute('class')).toContain('sin-enlace');
    const deHoy = (id: string) =>
      ventas.filter((v) => estacionDe.get(v.id_transaccion) === id && diaEnZona(Date.parse(v.fecha_fin)) === hoy());
    expect((await fila('norte').locator('td').allTextContents())[7]).toBe(pesos(suma(deHoy('norte'))));
    expect((await fila('centro').locator('td').allTextContents())[5]).toBe(String(deHoy('centro').length));
    expect((await page.locator('#red-totales td').allTextContents())[6]).toBe(
      pesos(suma([...deHoy('norte'), ...deHoy('centro')])),
    );
    expect(await page.textContent('#red-cumplimiento dd')).toBe('4 de 5');
    expect(await page.textContent('#red-ventas dd')).toBe(pesos(suma([...deHoy('norte'), ...deHoy('centro')])));
    expect(await page.textContent('#red-alertas dd')).toBe('1');
    await screenshot(page, 'empresa-red-real.png');

    await fila('norte').locator('button.abrir-detalle').click();
    await expect.poll(() => page.locator('#detalle-surtidores tbody tr').count(), ROUND).toBe(3);
    expect(await page.locator('#detalle-surtidores tbody tr td:nth-child(3)').allTextContents()).toEqual([
      '1 ✓',
      '1 ✓',
      '0 (atrasada)',
    ]);
    expect(await page.locator('#detalle-alertas li').count()).toBe(1);
    expect(await page.locator('#detalle-alertas li').textContent()).toContain('FUGA_SOSPECHADA');
    await page.click('#detalle-cerrar');
  });

  it('charts the 14 days of sales by fuel as the company totals them', async () => {
    const page = await openPage('red');
    await expect.poll(() => page.locator('#grafico g[data-dia]').count(), ROUND).toBe(14);
    const porDia = new Map<string, Set<string>>();
    for (const v of ventas) {
      const d = diaEnZona(Date.parse(v.fecha_fin));
      porDia.set(d, (porDia.get(d) ?? new Set()).add(v.tipo_combustible));
    }
    const barras = await page
      .locator('#grafico g[data-dia]')
      .evaluateAll((g: Nodo[]) => g.map((x) => [x.getAttribute('data-dia'), x.querySelectorAll('rect').length]));
    expect(barras.map(([d, n]) => [d, n])).toEqual(barras.map(([d]) => [d, porDia.get(String(d))?.size ?? 0]));
    expect(barras.filter(([, n]) => n === 0)).toHaveLength(1);
    const leyenda = await page.locator('#grafico .leyenda span').allTextContents();
    const deCombustible = (c: string) => pesos(suma(ventas.filter((v) => v.tipo_combustible === c)));
    expect(leyenda).toEqual([
      `93 · ${deCombustible('93')}`,
      `95 · ${deCombustible('95')}`,
      `97 · ${deCombustible('97')}`,
      `Diésel · ${deCombustible('diesel')}`,
    ]);
    await page.locator('#t-grafico').scrollIntoViewIfNeeded();
    await screenshot(page, 'empresa-red-real-grafico.png');
  });

  it('lists the sales the stations reported, filtered, and downloads them as CSV', async () => {
    const page = await openPage('ventas');
    await expect
      .poll(() => page.textContent('#ventas-cuenta'), ROUND)
      .toBe(`1–${Math.min(50, ventas.length)} de ${ventas.length} ventas`);
    await page.fill('input[name="estacion"]', 'norte');
    await page.selectOption('select[name="combustible"]', 'diesel');
    await page.click('#form-ventas button[type="submit"]');
    await expect.poll(() => page.textContent('#ventas-cuenta'), ROUND).toBe('1–13 de 13 ventas');
    expect(await page.locator('#ventas tr[data-venta] td:nth-child(4)').allTextContents()).toEqual(
      Array(13).fill('Diésel'),
    );
    const href = await page.getAttribute('#ventas-csv', 'href');
    const csv = await page.context().request.get(`${company.api}${href}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    const lineas = (await csv.text()).trim().split(/\r?\n/);
    expect(lineas).toHaveLength(14);
    expect(lineas[0]).toMatch(/^id_estacion;seq;/);
    await page.fill('input[name="estacion"]', 'no válida!');
    await page.click('#form-ventas button[type="submit"]');
    expect(await page.textContent('#mensaje-ventas')).toBe('Estación: su id (letras, dígitos, _ . -).');
    await screenshot(page, 'empresa-ventas-real.png');
  });
});
