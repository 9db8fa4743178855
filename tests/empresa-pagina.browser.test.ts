/**
 * The company's staff page in a real browser (Debian's Chromium) against real company and station
 * processes: the login screen first, then prices with an edit form and the stations table
 * following the versions live, each role seeing only what it may use (lectura: no price form;
 * precios: the form but no station administration; admin: everything), a scheduled version with
 * its countdown, the station holding it and its cancellation, and a price refused by the limits.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumAvailable, launchBrowser } from './helpers/browser.js';
import {
  type CompanyProcess,
  FollowingPump,
  pumpVersions,
  startCompanyProcess,
  stationAddress,
  TEST_ADMIN_PASSWORD,
} from './helpers/empresa.js';
import { LyingStation } from './helpers/lying-station.js';
import { ROOT, removeTempDirs, type StationProcess, startStationProcess } from './helpers/processes.js';

const available = chromiumAvailable();
if (!available) console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);

const SCREENSHOTS = path.join(ROOT, 'tests', 'screenshots');
const USERS = {
  lectura: { usuario: 'luis', clave: 'clave-de-luis-1' },
  precios: { usuario: 'ana', clave: 'clave-de-ana-12' },
  admin: { usuario: 'admin', clave: TEST_ADMIN_PASSWORD },
} as const;

/**
 * For what shows up with the page's next poll round: it polls one request at a time and pauses a
 * second after each round, so a change can take a round, the pause and another round to appear
 * (more than vitest's default second on a busy machine).
 */
const ROUND = { timeout: 5000 };

describe.skipIf(!available)('company staff page', () => {
  let station: StationProcess;
  let company: CompanyProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pumps: FollowingPump[] = [];

  beforeAll(async () => {
    station = await startStationProcess({ flags: { id: 'centro', nombre: 'Estación Centro' } });
    company = await startCompanyProcess({
      estaciones: [stationAddress(station)],
      flags: { nombre: 'Combustibles del Sur' },
    });
    for (const rol of ['lectura', 'precios'] as const)
      await company.request('/api/usuarios', 'POST', { nombre: USERS[rol].usuario, rol, clave: USERS[rol].clave });
    pumps.push(await FollowingPump.connect(station.pumpPort, 1), await FollowingPump.connect(station.pumpPort, 2));
    browser = await launchBrowser();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(pumps.map((p) => p.close()));
    await company?.stop('SIGKILL');
    await station?.stop('SIGKILL');
    removeTempDirs();
  });

  /** A fresh browser (own cookies) on the page: the login screen. */
  async function openPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${company.api}/`);
    await page.waitForSelector('#sesion-usuario');
    return page;
  }

  async function logIn(page: Page, rol: keyof typeof USERS): Promise<void> {
    await page.fill('#sesion-usuario', USERS[rol].usuario);
    await page.fill('#sesion-clave', USERS[rol].clave);
    await page.click('#sesion-entrar');
    await expect.poll(() => page.textContent('#sesion-quien')).toBe(`${USERS[rol].usuario} (${rol})`);
    await expect.poll(() => page.textContent('#conexion'), ROUND).toBe('En línea');
  }

  const visible = (page: Page, selector: string) => page.locator(selector).first().isVisible();

  it('opens on the login screen, in Spanish, and refuses a wrong password', async () => {
    const page = await openPage();
    expect(await page.textContent('#sesion-titulo')).toBe('Combustibles del Sur · precios y estaciones');
    expect(await page.textContent('.sesion-sub')).toBe('Inicie sesión para continuar');
    expect(await visible(page, '#form-precios')).toBe(false);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'empresa-login.png') });
    await page.fill('#sesion-usuario', 'admin');
    await page.fill('#sesion-clave', 'no-es-la-clave');
    await page.click('#sesion-entrar');
    await expect.poll(() => page.textContent('.sesion-error')).toBe('Usuario o clave incorrectos.');
    expect(await visible(page, '#sesion-usuario')).toBe(true);
  });

  it('lectura: prices and stations to read, no price form, no station administration', async () => {
    const page = await openPage();
    await logIn(page, 'lectura');
    expect(await page.textContent('#sesion-quien')).toBe('luis (lectura)');
    expect(await page.textContent('#titulo')).toBe('Combustibles del Sur');
    expect(await visible(page, '#form-precios')).toBe(false);
    expect(await visible(page, '#precios-lectura')).toBe(true);
    await expect.poll(() => page.textContent('#precios-lectura [data-campo="precio_95"] dd'), ROUND).toBe('$1.350');
    const row = page.locator('[data-id="centro"]');
    await expect.poll(() => row.locator('.estado').textContent(), ROUND).toBe('sincronizado');
    expect(await visible(page, '#form-estacion')).toBe(false);
    expect(await row.locator('button[data-quitar]').isVisible()).toBe(false);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'empresa-lectura.png'), fullPage: true });
  });

  it('precios: changes a price from the form as itself; the station and its pumps follow, live on the page', async () => {
    const page = await openPage();
    await logIn(page, 'precios');
    expect(await page.textContent('#sesion-quien')).toBe('ana (precios)');
    expect(await visible(page, '#precios-lectura')).toBe(false);
    expect(await visible(page, '#form-estacion')).toBe(false);
    expect(await page.locator('button[data-quitar]').first().isVisible()).toBe(false);
    expect(await page.inputValue('input[name="precio_95"]')).toBe('1350');
    await page.fill('input[name="precio_95"]', '1365');
    await page.getByRole('button', { name: 'Guardar precios' }).click();
    await expect.poll(() => page.textContent('#mensaje-precios')).toMatch(/Versión 2 guardada/);
    await Promise.all(pumps.map((p) => p.reaches(2)));
    const row = page.locator('[data-id="centro"]');
    await expect.poll(() => row.locator('[data-version]').getAttribute('data-version'), ROUND).toBe('2');
    expect(await row.locator('[data-version]').textContent()).toBe('2 ✓');
    expect(await pumpVersions(station)).toEqual([2, 2]);
    await expect
      .poll(() => page.locator('#historial li').first().textContent())
      .toMatch(/Versión 2, .*, ana: 95 \$1\.350 → \$1\.365/);
    expect(await page.textContent('#autor')).toMatch(/por ana\.$/);
    expect(await company.request('/api/precios')).toMatchObject({ version: 2, autor: 'ana' });

    // An invalid price is refused without calling the API.
    await page.fill('input[name="precio_diesel"]', '0');
    await page.getByRole('button', { name: 'Guardar precios' }).click();
    await expect.poll(() => page.textContent('#mensaje-precios')).toMatch(/entero positivo/);
    expect(await company.request('/api/precios')).toMatchObject({ version: 2 });
    await page.getByRole('button', { name: 'Descartar' }).click();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'empresa-precios.png'), fullPage: true });
  });

  it('admin: everything, adding and removing a station', async () => {
    const page = await openPage();
    await logIn(page, 'admin');
    expect(await visible(page, '#form-precios')).toBe(true);
    expect(await visible(page, '#form-estacion')).toBe(true);
    expect(await page.locator('[data-id="centro"] button[data-quitar]').isVisible()).toBe(true);
    await page.fill('input[name="direccion"]', '127.0.0.1:9');
    await page.getByRole('button', { name: 'Agregar' }).click();
    await expect.poll(() => page.textContent('#mensaje-estacion')).toBe('Estación 127.0.0.1-9 agregada.');
    const added = page.locator('[data-id="127.0.0.1-9"]');
    await expect.poll(() => added.count(), ROUND).toBe(1);
    page.once('dialog', (d) => void d.accept());
    await added.locator('button[data-quitar]').click();
    await expect.poll(() => page.textContent('#mensaje-estacion')).toBe('Estación 127.0.0.1-9 quitada.');
    await expect.poll(() => added.count(), ROUND).toBe(0);
    const audit = await company.request<{ accion: string; usuario: string }[]>('/api/auditoria?accion=estacion.');
    expect(audit.slice(0, 2).map((a) => [a.accion, a.usuario])).toEqual([
      ['estacion.eliminar', 'admin'],
      ['estacion.crear', 'admin'],
    ]);
  });

  it('shows the login screen again when the session ends, and fits the page to whoever logs in next', async () => {
    const page = await openPage();
    await logIn(page, 'admin');
    expect(await visible(page, '#form-estacion')).toBe(true);
    // The session closed elsewhere (another tab, an admin, its expiry): the next poll gets 401.
    await page.evaluate(() => fetch('/api/sesion', { method: 'DELETE' }));
    await page.waitForSelector('#sesion-usuario', { state: 'visible', timeout: 5000 });
    await logIn(page, 'lectura');
    expect(await page.textContent('#sesion-quien')).toBe('luis (lectura)');
    expect(await visible(page, '#form-precios')).toBe(false);
    expect(await visible(page, '#form-estacion')).toBe(false);
    // "Salir" ends the session and returns to the login screen.
    await page.click('#sesion-salir');
    await page.waitForSelector('#sesion-usuario', { state: 'visible', timeout: 5000 });
  });

  it('shows a station that reports a version the company never made, never "al día"; refuses a price outside the rule', async () => {
    const liar = await LyingStation.start({ id: 'mentirosa', nombre: 'Estación mentirosa' });
    try {
      await company.request('/api/estaciones', 'POST', { host: '127.0.0.1', puerto: liar.port });
      const page = await openPage();
      await logIn(page, 'precios');
      const row = page.locator('[data-id="mentirosa"]');
      await expect
        .poll(() => row.locator('[data-anomalia]').getAttribute('data-anomalia'), ROUND)
        .toBe('VERSION_DESCONOCIDA');
      expect(await row.locator('td[data-anomalia]').textContent()).toContain(`versión desconocida:${2 ** 53 - 1}`);
      expect(await row.locator('[data-anomalia]').getAttribute('title')).toMatch(/que la empresa no creó/);
      expect(await row.locator('[data-anomalia]').textContent()).not.toContain('✓');
      await expect.poll(() => page.textContent('#resumen'), ROUND).toBe('1 de 2 al día');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'empresa-anomalia.png'), fullPage: true });

      // A price outside 100..100,000 is refused on the page, and by the API, before any station sees it.
      const before = await company.request<{ version: number }>('/api/precios');
      await page.fill('input[name="precio_93"]', '99');
      await page.getByRole('button', { name: 'Guardar precios' }).click();
      await expect.poll(() => page.textContent('#mensaje-precios')).toMatch(/entre \$100 y \$100\.000/);
      await expect(company.request('/api/precios', 'PUT', { precio_93: 99 })).rejects.toThrow(
        /HTTP 400 .*VALIDACION.*precio_93/,
      );
      expect(await company.request('/api/precios')).toMatchObject({ version: before.version });
      await page.getByRole('button', { name: 'Descartar' }).click();
    } finally {
      await company.request('/api/estaciones/mentirosa', 'DELETE').catch(() => undefined);
      await liar.close();
    }
  });

  it('precios: schedules a version with a vigencia, shows it counting down and held by the station, and cancels it', async () => {
    const page = await openPage();
    await logIn(page, 'precios');
    expect(await visible(page, '#programada')).toBe(false);
    // datetime-local is in the browser's time zone: 3 h 20 min from now, to the minute, rounded up.
    const local = await page.evaluate(() => {
      const d = new Date(Date.now() + (3 * 60 + 21) * 60_000);
      const dos = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${dos(d.getMonth() + 1)}-${dos(d.getDate())}T${dos(d.getHours())}:${dos(d.getMinutes())}`;
    });
    await page.fill('input[name="precio_93"]', '1350');
    await page.fill('input[name="vigencia"]', local);
    await page.getByRole('button', { name: 'Guardar precios' }).click();
    await expect.poll(() => page.textContent('#mensaje-precios')).toMatch(/^Versión 3 programada para el /);
    await expect.poll(() => visible(page, '#programada'), ROUND).toBe(true);
    expect(await page.textContent('#programada-version')).toBe('versión 3');
    expect(await page.textContent('#programada-cuenta')).toMatch(/^en 3 h 2\d min$/);
    expect(await page.textContent('#programada-precios [data-campo="precio_93"] dd')).toBe('$1.350');
    // The prices in force stay until then.
    expect(await page.inputValue('input[name="precio_93"]')).toBe('1290');
    const row = page.locator('[data-id="centro"]');
    await expect.poll(() => row.locator('[data-programada]').getAttribute('data-programada'), ROUND).toBe('true');
    expect(await row.locator('[data-programada]').textContent()).toBe('recibida ✓');
    await expect.poll(() => page.textContent('#programada-estaciones'), ROUND).toMatch(/^La tienen 1 de 1 estaciones/);
    expect(await station.request('/api/precios')).toMatchObject({ version: 2, programada: { version: 3 } });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'empresa-programada.png'), fullPage: true });

    // lectura sees it, without the Cancelar button.
    const lector = await openPage();
    await logIn(lector, 'lectura');
    await expect.poll(() => visible(lector, '#programada'), ROUND).toBe(true);
    expect(await visible(lector, '#cancelar-programada')).toBe(false);

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Cancelar programada' }).click();
    await expect.poll(() => page.textContent('#mensaje-precios')).toMatch(/^Versión 3 cancelada/);
    await expect.poll(() => visible(page, '#programada'), ROUND).toBe(false);
    // The station no longer holds version 3: it holds version 2, the newest not cancelled.
    await expect.poll(() => row.locator('[data-version]').textContent(), ROUND).toBe('2 ✓');
    expect(await row.locator('[data-programada]').textContent()).toBe('—');
    await expect.poll(() => page.locator('#historial li').first().textContent(), ROUND).toMatch(/cancelada el /);
    await expect
      .poll(async () => (await station.request<{ programada: unknown }>('/api/precios')).programada, ROUND)
      .toBeNull();

    // A price outside the limits: refused by the API with a message naming fuel, value and limit.
    await page.fill('input[name="precio_93"]', '12900');
    await page.getByRole('button', { name: 'Guardar precios' }).click();
    await expect
      .poll(() => page.textContent('#mensaje-precios'))
      .toMatch(/precio_93 12900 sube 900% desde 1290 \(máximo 20% por cambio\)/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'empresa-limites.png'), fullPage: true });
    await page.getByRole('button', { name: 'Descartar' }).click();
  });

  it('asks one thing at a time: polls never overlap each other or a change, even when the service is slow', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    // Every API request goes through here: how many are in flight at once, and the stations list
    // answers slower than the poll period (a poll that did not wait for it would pile up).
    let lento = false;
    let enVuelo = 0;
    let maximo = 0;
    const vistas: string[] = [];
    await context.route('**/api/**', async (route) => {
      enVuelo += 1;
      maximo = Math.max(maximo, enVuelo);
      const url = new URL(route.request().url());
      vistas.push(`${route.request().method()} ${url.pathname}`);
      try {
        if (lento && url.pathname === '/api/estaciones' && route.request().method() === 'GET')
          await new Promise((r) => setTimeout(r, 1200));
        const response = await route.fetch();
        enVuelo -= 1;
        await route.fulfill({ response });
      } catch {
        enVuelo -= 1;
        await route.abort().catch(() => undefined);
      }
    });
    const page = await context.newPage();
    await page.goto(`${company.api}/`);
    await page.waitForSelector('#sesion-usuario');
    await logIn(page, 'admin');
    lento = true;
    // A change while a poll is under way: it waits its turn, then the list shows the new station.
    await page.fill('input[name="direccion"]', '127.0.0.1:7');
    await page.getByRole('button', { name: 'Agregar' }).click();
    await expect
      .poll(() => page.textContent('#mensaje-estacion'), { timeout: 10_000 })
      .toBe('Estación 127.0.0.1-7 agregada.');
    await expect.poll(() => page.locator('[data-id="127.0.0.1-7"]').count(), { timeout: 10_000 }).toBe(1);
    // A few more rounds, slow ones.
    const rondas = () => vistas.filter((v) => v === 'GET /api/estaciones').length;
    const antes = rondas();
    await expect.poll(rondas, { timeout: 15_000 }).toBeGreaterThanOrEqual(antes + 2);
    expect(vistas).toContain('POST /api/estaciones');
    expect(maximo).toBe(1);
    await context.close();
    await company.request('/api/estaciones/127.0.0.1-7', 'DELETE');
  });

  it('shows a station going down and coming back', async () => {
    const page = await openPage();
    await logIn(page, 'admin');
    await station.stop('SIGTERM');
    const row = page.locator('[data-id="centro"]');
    await expect.poll(() => row.locator('.estado').textContent(), { timeout: 10_000 }).toBe('desconectado');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'empresa.png'), fullPage: true });
  });
});
