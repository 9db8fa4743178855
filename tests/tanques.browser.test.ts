/**
 * (ext) The dashboard's "Tanques" panel in a real browser against a station process started with
 * --tanques-demo: a gauge (a LineClient on the pump port) reports the four tanks, a pump sells, the
 * gauge reports the lower level and the bar moves; a low level shows its alert on the card; each
 * card has its cumulative-variance plot from GET /api/conciliacion; a tank that loses litres fast
 * shows the sudden-loss alert (a short --perdida-subita-min window).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alturaPorLitros, calibracionCilindro } from '../estacion/src/domain/tanks.js';
import { CHROMIUM, chromiumAvailable, launchBrowser } from './helpers/browser.js';
import { type Json, LineClient } from './helpers/line-client.js';
import {
  ROOT,
  removeTempDirs,
  STATION_ADMIN_PASSWORD,
  type StationProcess,
  startStationProcess,
} from './helpers/processes.js';

const available = chromiumAvailable();
if (!available) console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);

const SCREENSHOTS = path.join(ROOT, 'tests', 'screenshots');
/** The demo tanks' chart (30,000 L, 2.5 m across). */
const CHART = calibracionCilindro(30_000, 2500);
/** Height (to 0.1 mm) at which the demo chart holds `litros`. */
const alturaDe = (litros: number) => Math.round(alturaPorLitros(CHART, litros) * 10) / 10;

function lectura(idTanque: number, litros: number, agua = 6): Json {
  return {
    tipo: 'lectura_tanque',
    id_medidor: 1,
    id_tanque: idTanque,
    timestamp: new Date().toISOString(),
    altura_producto_mm: alturaDe(litros),
    altura_agua_mm: agua,
    temperatura_c: 16 + idTanque,
    litros,
    litros_15c: Math.round(litros * 0.998),
  };
}

describe.skipIf(!available)('dashboard: Tanques panel', () => {
  let station: StationProcess;
  let browser: Browser;
  let page: Page;
  let gauge: LineClient;
  let pump: LineClient;

  const nivel = (id: number) =>
    page
      .locator(`[data-tanque="${id}"] .nivel`)
      .getAttribute('aria-valuenow')
      .then((v) => Number(v));

  beforeAll(async () => {
    station = await startStationProcess({
      flags: {
        nombre: 'Estación Tanques',
        'tanques-demo': 'true',
        'perdida-subita-s': '1',
        'perdida-subita-min': '0.25',
        'perdida-subita-litros': '100',
      },
    });
    gauge = await LineClient.connect(station.pumpPort);
    gauge.send({
      tipo: 'registro_medidor',
      id_medidor: 1,
      nombre: 'Consola ATG',
      version: '1.0',
      tanques: [1, 2, 3, 4],
    });
    await gauge.next('medidor_confirmado');
    for (const [id, litros] of [
      [1, 21_000],
      [2, 15_000],
      [3, 9_000],
      [4, 26_000],
    ] as const)
      gauge.send(lectura(id, litros));
    pump = await LineClient.connect(station.pumpPort);
    pump.send({
      tipo: 'registro',
      id_surtidor: 1,
      nombre: 'Isla 1',
      combustibles_soportados: ['93', '95'],
      version: '1.0',
    });
    await pump.next('registro_confirmado');
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await page.goto(`${station.api}/`);
    await page.locator('#sesion-usuario').fill('admin');
    await page.locator('#sesion-clave').fill(STATION_ADMIN_PASSWORD);
    await page.locator('#sesion-entrar').click();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gauge?.close();
    await pump?.close();
    await station?.stop('SIGKILL');
    removeTempDirs();
  });

  it('shows the four demo tanks with their levels, water, temperature and reading time', async () => {
    await expect.poll(() => page.textContent('#conexion')).toBe('En vivo');
    await expect.poll(() => page.locator('.tanque').count()).toBe(4);
    await expect.poll(() => nivel(1)).toBeCloseTo(70, 0);
    expect(await page.locator('[data-tanque="2"] .litros').textContent()).toBe('15.000 L');
    expect(await page.locator('[data-tanque="3"] header').textContent()).toContain('97');
    expect(await page.locator('[data-tanque="4"] header').textContent()).toContain('Diésel');
    expect(await page.locator('[data-tanque="1"] .hora').textContent()).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    // The last days' reconciliation was read for every card (a new station has no whole day measured).
    await expect
      .poll(() => page.locator('.tanque .varianza figcaption').allTextContents())
      .toEqual(Array.from({ length: 4 }, () => 'Varianza acumulada: sin datos'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.locator('section.tanques').screenshot({ path: path.join(SCREENSHOTS, 'estacion-tanques.png') });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'estacion-tanques-pagina.png'), fullPage: true });
  });

  it('moves the bar as the pump sells and the gauge reports less', async () => {
    const antes = await nivel(1);
    pump.send({
      tipo: 'transaccion_completada',
      id_surtidor: 1,
      tipo_combustible: '93',
      litros: 1500,
      precio_por_litro: 1290,
      monto_total: 1_935_000,
      metodo_pago: 'tarjeta',
      fecha_inicio: new Date(Date.now() - 60_000).toISOString(),
      fecha_fin: new Date().toISOString(),
      id_transaccion: 'T-1',
    });
    await pump.next('transaccion_confirmada');
    gauge.send(lectura(1, 19_500));
    await expect.poll(() => nivel(1)).toBeCloseTo(65, 0);
    expect(await nivel(1)).toBeLessThan(antes);
  });

  it('shows a low level and high water as alerts on the card', async () => {
    // Five readings: the level is the median of the last five.
    for (let i = 0; i < 5; i++) gauge.send(lectura(3, 2000, 70));
    await expect
      .poll(() => page.locator('[data-tanque="3"] .alertas-tanque li').allTextContents())
      .toEqual(expect.arrayContaining(['Nivel bajo', 'Agua alta']));
    expect(await page.locator('[data-tanque="3"]').getAttribute('class')).toContain('bajo');
    await page.locator('section.tanques').screenshot({ path: path.join(SCREENSHOTS, 'estacion-tanques-alertas.png') });
  });

  it('shows a sudden loss on the card: the gauge reports tank 4 losing 80 L a second, no sale explains it', async () => {
    // The gauge reports every half second, as a console does; the rule needs half its 15 s window.
    let litros = 26_000;
    const reporte = setInterval(() => {
      litros -= 40;
      gauge.send(lectura(4, litros));
    }, 500);
    try {
      await expect
        .poll(() => page.locator('[data-tanque="4"] .alertas-tanque li').allTextContents(), { timeout: 30_000 })
        .toEqual(['Pérdida súbita']);
    } finally {
      clearInterval(reporte);
    }
    expect(await page.locator('[data-tanque="4"] .alertas-tanque li').getAttribute('title')).toMatch(
      /^Tanque 4: faltan \d+ L en \d+ s que las ventas no explican/,
    );
    await page
      .locator('[data-tanque="4"]')
      .screenshot({ path: path.join(SCREENSHOTS, 'estacion-tanques-perdida.png') });
  }, 40_000);

  it("plots each tank's cumulative variance over the last days", async () => {
    // A station process cannot have days of past readings: the report is the API's shape, made up.
    const periodo = (dia: number, acumulada: number | null) => ({
      desde: `2026-01-0${dia}T03:00:00.000Z`,
      hasta: `2026-01-0${dia + 1}T03:00:00.000Z`,
      lectura_inicial: null,
      lectura_final: null,
      bruto: null,
      neto_15c: acumulada === null ? null : { varianza_acumulada: acumulada },
    });
    await page.route('**/api/conciliacion?*', (route) =>
      route.fulfill({
        json: [
          {
            id_tanque: 1,
            truncado: false,
            periodos: [periodo(1, -70), periodo(2, null), periodo(3, -140), periodo(4, -210)],
          },
          { id_tanque: 2, truncado: false, periodos: [periodo(1, 4), periodo(2, 1)] },
        ],
      }),
    );
    await page.reload();
    await expect
      .poll(() => page.locator('[data-tanque="1"] .varianza figcaption').textContent())
      .toBe('Varianza acumulada: -210 L');
    expect(await page.locator('[data-tanque="1"] .varianza circle').count()).toBe(3);
    expect(await page.locator('[data-tanque="2"] .varianza figcaption').textContent()).toBe('Varianza acumulada: +1 L');
    // A tank the report does not name has no plot.
    expect(await page.locator('[data-tanque="3"] .varianza').count()).toBe(0);
    await page.locator('section.tanques').screenshot({ path: path.join(SCREENSHOTS, 'estacion-tanques-varianza.png') });
    await page.unroute('**/api/conciliacion?*');
  });
});
