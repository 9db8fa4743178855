/**
 * The company's staff page in a real browser (Debian's Chromium) against real company and station
 * processes: prices with an edit form, and the stations table following the versions live.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumAvailable, launchBrowser } from './helpers/browser.js';
import {
  type CompanyProcess,
  FollowingPump,
  pumpVersions,
  startCompanyProcess,
  stationAddress,
} from './helpers/empresa.js';
import { ROOT, removeTempDirs, type StationProcess, startStationProcess } from './helpers/processes.js';

const available = chromiumAvailable();
if (!available)
  console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);

describe.skipIf(!available)('company staff page', () => {
  let station: StationProcess;
  let company: CompanyProcess;
  let browser: Browser;
  let page: Page;
  const pumps: FollowingPump[] = [];

  beforeAll(async () => {
    station = await startStationProcess({ flags: { id: 'centro', nombre: 'Estación Centro' } });
    company = await startCompanyProcess({
      estaciones: [stationAddress(station)],
      flags: { nombre: 'Combustibles del Sur' },
    });
    pumps.push(
      await FollowingPump.connect(station.pumpPort, 1),
      await FollowingPump.connect(station.pumpPort, 2),
    );
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${company.api}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(pumps.map((p) => p.close()));
    await company?.stop('SIGKILL');
    await station?.stop('SIGKILL');
    removeTempDirs();
  });

  it('shows the prices in force and the stations with the version they hold', async () => {
    await expect.poll(() => page.textContent('#conexion')).toBe('En línea');
    expect(await page.textContent('#titulo')).toBe('Combustibles del Sur');
    expect(await page.textContent('#version')).toBe('versión 1');
    expect(await page.inputValue('input[name="precio_95"]')).toBe('1350');
    const row = page.locator('[data-id="centro"]');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('Estación Centro');
    await expect.poll(() => row.locator('.estado').textContent()).toBe('sincronizado');
    expect(await row.locator('[data-version]').getAttribute('data-version')).toBe('1');
  });

  it('changes a price from the form; the station and its pumps follow, live on the page', async () => {
    await page.fill('input[name="precio_95"]', '1365');
    await page.getByRole('button', { name: 'Guardar precios' }).click();
    await expect.poll(() => page.textContent('#mensaje-precios')).toMatch(/Versión 2 guardada/);
    await Promise.all(pumps.map((p) => p.reaches(2)));
    const row = page.locator('[data-id="centro"]');
    await expect.poll(() => row.locator('[data-version]').getAttribute('data-version')).toBe('2');
    expect(await row.locator('[data-version]').textContent()).toBe('2 ✓');
    expect(await pumpVersions(station)).toEqual([2, 2]);
    await expect
      .poll(() => page.locator('#historial li').first().textContent())
      .toMatch(/Versión 2.*95 \$1\.350 → \$1\.365/);
  });

  it('refuses an invalid price without calling the API', async () => {
    await page.fill('input[name="precio_diesel"]', '0');
    await page.getByRole('button', { name: 'Guardar precios' }).click();
    await expect.poll(() => page.textContent('#mensaje-precios')).toMatch(/entero positivo/);
    expect(await company.request('/api/precios')).toMatchObject({ version: 2 });
    await page.getByRole('button', { name: 'Descartar' }).click();
  });

  it('shows a station going down and coming back', async () => {
    await station.stop('SIGTERM');
    const row = page.locator('[data-id="centro"]');
    await expect.poll(() => row.locator('.estado').textContent(), { timeout: 10_000 }).toBe('desconectado');
    mkdirSync(path.join(ROOT, 'tests', 'screenshots'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'tests', 'screenshots', 'empresa.png'), fullPage: true });
  });
});
