/**
 * A day close printed from a real browser (Debian's Chromium) against a real station process: the
 * sales are seeded into its SQLite file before it starts, a supervisor closes the day through the
 * API, and the printable page is opened with the dashboard's session cookie, on screen and as
 * printed (print media). Screenshots in tests/screenshots/.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../estacion/src/store/sqlite-store.js';
import { unaTransaccion } from '../estacion/src/store/test-builders.js';
import { launchBrowser } from './helpers/browser.js';
import {
  browserTestsAvailable,
  createDashboardUsers,
  DASHBOARD_USERS,
  dashboardAs,
  screenshot,
} from './helpers/dashboard.js';
import { removeTempDirs, type StationProcess, startStationProcess, tempDir } from './helpers/processes.js';

const available = browserTestsAvailable();
const SUPERVISOR = DASHBOARD_USERS.supervisor;

/** A day of sales on 2026-01-14 in Chile (UTC−3): four pumps, three attendants, a prepaid refund. */
async function seed(dataDir: string): Promise<void> {
  const store = new SqliteStore({ dataDir });
  await store.setup();
  const islas = ['Isla Norte A', 'Isla Norte B', 'Isla Sur A', 'Isla Sur B'];
  const operadores = ['Juan Pérez', 'Ana Muñoz', null];
  const combustibles = ['93', '95', '97', 'diesel'] as const;
  const metodos = ['efectivo', 'tarjeta', 'transferencia'] as const;
  const ventas = Array.from({ length: 60 }, (_, i) => {
    const litros = Math.round((8 + ((i * 37) % 45) + (i % 7) / 10) * 1000) / 1000;
    const precio = 1250 + (i % 4) * 55;
    return unaTransaccion({
      id_transaccion: `D-${i}`,
      id_surtidor: 1 + (i % 4),
      nombre_surtidor: islas[i % 4] ?? null,
      tipo_combustible: combustibles[i % 4],
      metodo_pago: metodos[i % 3],
      operador: operadores[i % 3] ?? null,
      litros,
      precio_por_litro: precio,
      monto_total: Math.round(litros * precio),
      fecha_fin: new Date(Date.parse('2026-01-14T07:00:00-03:00') + i * 15 * 60_000).toISOString(),
      reembolso: i % 11 === 0 ? 2_500 : null,
    });
  });
  await store.insertTransactions(ventas);
  await store.close();
}

describe.skipIf(!available)('printable close', () => {
  let station: StationProcess;
  let browser: Browser;
  let id = '';

  beforeAll(async () => {
    const dataDir = tempDir('cierre-');
    await seed(dataDir);
    station = await startStationProcess({
      dataDir,
      flags: { nombre: 'Estación Centro', 'zona-horaria': 'America/Santiago' },
    });
    await createDashboardUsers(station);
    const token = await station.login(SUPERVISOR.usuario, SUPERVISOR.clave);
    const res = await fetch(`${station.api}/api/cierres`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fecha: '2026-01-14' }),
    });
    expect(res.status).toBe(201);
    const cierre = (await res.json()) as { id_cierre: string; total: { transacciones: number } };
    expect(cierre.total.transacciones).toBe(60);
    id = cierre.id_cierre;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await station?.stop();
    removeTempDirs();
  });

  it('opens with the dashboard session, reads in Spanish, and prints without its button', async () => {
    // Anyone with a session may print a close: here a lectura user, on the dashboard's cookie.
    const page = await dashboardAs(browser, station, 'lectura');
    await page.setViewportSize({ width: 900, height: 1200 });
    const res = await page.goto(`${station.api}/cierres/${id}/imprimir`);
    expect(res?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Cierre del día 2026-01-14 · Estación Centro');
    const text = (await page.textContent('body')) ?? '';
    for (const s of [
      'Estación Centro (estacion-1)',
      'Cerrado por',
      'sofia',
      'Por combustible',
      'Por surtidor',
      'Por medio de pago',
      'Por operador',
      'Juan Pérez',
      'Sin operador',
      'Isla Norte A',
      'Diésel',
      'Firma del supervisor',
      'Firma del operador',
    ])
      expect(text).toContain(s);
    // The total row of the fuel table: 60 sales.
    await expect(page.locator('tr.total td').nth(1).textContent()).resolves.toBe('60');
    // Local time, not UTC: the day runs from 00:00:00 to 23:59:59 in Santiago.
    expect(text).toMatch(/14-01-2026,? 0?0:00:00/);
    expect(text).toMatch(/14-01-2026,? 23:59:59/);
    await expect(page.locator('.acciones button').isVisible()).resolves.toBe(true);
    await screenshot(page, 'cierre.png');

    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.acciones button').isVisible()).resolves.toBe(false);
    await screenshot(page, 'cierre-impresion.png');
    await page.context().close();
  });
});
