/**
 * The station's operator dashboard in a real browser: whether the browser tests can run (and why
 * not, printed once per file), one user per role created through the API, a fresh page logged in
 * as one of them, and screenshots under tests/screenshots/ to look at.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { CHROMIUM, chromiumAvailable } from './browser.js';
import { ROOT, type StationProcess } from './processes.js';

/** True when Chromium is installed; otherwise says so (the suite is then skipped with that reason). */
export function browserTestsAvailable(): boolean {
  const available = chromiumAvailable();
  if (!available) console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  return available;
}

export const SCREENSHOTS = path.join(ROOT, 'tests', 'screenshots');

/** One user per role below admin. */
export const DASHBOARD_USERS = {
  lectura: { usuario: 'luis', clave: 'clave-de-luis' },
  operador: { usuario: 'ana', clave: 'clave-de-ana' },
  supervisor: { usuario: 'sofia', clave: 'clave-de-sofia' },
} as const;
export type Rol = keyof typeof DASHBOARD_USERS;

/** Creates every user of DASHBOARD_USERS at the station, as admin. */
export async function createDashboardUsers(station: StationProcess): Promise<void> {
  for (const [rol, u] of Object.entries(DASHBOARD_USERS))
    await station.request('/api/usuarios', 'POST', { nombre: u.usuario, rol, clave: u.clave });
}

/** A fresh browser context (no cookie) on the dashboard. */
export async function openDashboard(browser: Browser, station: StationProcess): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${station.api}/`);
  return page;
}

/** Fills the login form and submits it. */
export async function logIn(page: Page, usuario: string, clave: string): Promise<void> {
  await page.locator('#sesion-usuario').fill(usuario);
  await page.locator('#sesion-clave').fill(clave);
  await page.locator('#sesion-entrar').click();
}

/** A new page logged in as `rol`, live (the WebSocket connected). */
export async function dashboardAs(browser: Browser, station: StationProcess, rol: Rol): Promise<Page> {
  const page = await openDashboard(browser, station);
  await logIn(page, DASHBOARD_USERS[rol].usuario, DASHBOARD_USERS[rol].clave);
  await expect.poll(() => page.textContent('#conexion')).toBe('En vivo');
  return page;
}

/** The whole page, as tests/screenshots/`name`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
}

/** A page of `context` at the company page's `#vista` (at `api`), logged in as `user`, once online. */
export async function companyPage(
  context: BrowserContext,
  api: string,
  vista: string,
  user: { usuario: string; clave: string },
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${api}/#${vista}`);
  await page.fill('#sesion-usuario', user.usuario);
  await page.fill('#sesion-clave', user.clave);
  await page.click('#sesion-entrar');
  // The network view polls every 5 s: a round and a pause.
  await expect.poll(() => page.textContent('#conexion'), { timeout: 15_000 }).toBe('En línea');
  return page;
}
