/**
 * (ext) Prepaid authorization in the operator dashboard, in a real browser against a real station
 * process, with a capable pump played over TCP: a supervisor puts it in prepago, it reports
 * `esperando_autorizacion` and stands out first in the grid, the operator authorizes Monto 10000
 * from the card's dialog, the pump gets exactly that `autorizar`, dispenses and sells under the
 * limit, and the card shows the completed authorization with the refund.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.js';
import {
  browserTestsAvailable,
  createDashboardUsers,
  DASHBOARD_USERS as USERS,
  logIn,
  openDashboard,
  screenshot,
} from './helpers/dashboard.js';
import { type Json, LineClient } from './helpers/line-client.js';
import { removeTempDirs, type StationProcess, startStationProcess } from './helpers/processes.js';

const available = browserTestsAvailable();

const estado = (id: number, estado_operacion: string, extra: Json = {}): Json => ({
  tipo: 'estado',
  id_surtidor: id,
  estado_operacion,
  litros_actuales: 0,
  monto_actual: 0,
  tipo_combustible: '95',
  timestamp: new Date().toISOString(),
  ...extra,
});

describe.skipIf(!available)('prepaid authorization in the dashboard', () => {
  let station: StationProcess;
  let browser: Browser;
  let page: Page;
  /** Pump 1 sells postpago (a seed pump); pump 2 can take authorizations. */
  let postpago: LineClient;
  let prepago: LineClient;

  beforeAll(async () => {
    station = await startStationProcess({ flags: { nombre: 'Estación Prepago' } });
    await createDashboardUsers(station);
    postpago = await LineClient.connect(station.pumpPort);
    postpago.send({
      tipo: 'registro',
      id_surtidor: 1,
      nombre: 'Isla Norte',
      combustibles_soportados: ['93', '95'],
      version: '1.0',
    });
    await postpago.next('registro_confirmado');
    postpago.send(estado(1, 'disponible'));
    prepago = await LineClient.connect(station.pumpPort);
    prepago.send({
      tipo: 'registro',
      id_surtidor: 2,
      nombre: 'Isla Sur',
      combustibles_soportados: ['93', '95', 'diesel'],
      version: '2.0',
      capacidades: ['autorizacion'],
    });
    expect(await prepago.next('registro_confirmado')).toMatchObject({ modo_autorizacion: 'postpago' });
    prepago.send(estado(2, 'disponible'));
    browser = await launchBrowser();
    // Logged in here; the first test waits for it to be live (expect.poll belongs in a test).
    page = await openDashboard(browser, station);
    await logIn(page, USERS.operador.usuario, USERS.operador.clave);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([postpago, prepago].map((p) => p?.close()));
    await station?.stop('SIGKILL');
    removeTempDirs();
  });

  it("shows each pump's mode; a supervisor puts the capable one in prepago and it is told so", async () => {
    await expect.poll(() => page.textContent('#conexion')).toBe('En vivo');
    const card = page.locator('[data-surtidor="2"]');
    await expect.poll(() => card.locator('.modo').textContent()).toBe('Postpago');
    const token = await station.login(USERS.supervisor.usuario, USERS.supervisor.clave);
    const put = await fetch(`${station.api}/api/surtidores/2`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ modo_autorizacion: 'prepago' }),
    });
    expect(put.status).toBe(200);
    expect(await prepago.next('configuracion')).toEqual({
      tipo: 'configuracion',
      id_surtidor: 2,
      modo_autorizacion: 'prepago',
    });
    await expect.poll(() => card.locator('.modo').textContent()).toBe('Prepago');
    expect(await page.locator('[data-surtidor="1"] .modo').textContent()).toBe('Postpago');
    // The seed pump has no Autorizar button; the prepago one has.
    expect(await page.locator('[data-surtidor="1"] [data-comando="autorizar"]').count()).toBe(0);
    expect(await card.locator('[data-comando="autorizar"]').count()).toBe(1);
  });

  it('a pump waiting for an authorization stands out and comes first', async () => {
    prepago.send(estado(2, 'esperando_autorizacion'));
    const card = page.locator('[data-surtidor="2"]');
    await expect.poll(() => card.locator('.estado').textContent()).toBe('esperando autorización');
    expect(await card.getAttribute('class')).toMatch(/\besperando_autorizacion\b/);
    expect(await page.locator('[data-surtidor]').first().getAttribute('data-surtidor')).toBe('2');
    expect(await page.textContent('#resumen-surtidores')).toMatch(/1 esperando autorización/);
    await screenshot(page, 'autorizacion-esperando.png');
  });

  it('the operator authorizes Monto 10000; the pump receives exactly that', async () => {
    const card = page.locator('[data-surtidor="2"]');
    await card.locator('[data-comando="autorizar"]').click();
    const dialog = page.locator('#autorizar');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await page.textContent('#autorizar-titulo')).toBe('Autorizar el surtidor 2 · Isla Sur');
    expect(await dialog.locator('#autorizar-combustibles input').count()).toBe(3);
    await dialog.locator('input[name="tipo"][value="monto"]').check();
    await page.locator('#autorizar-valor').fill('10000');
    await screenshot(page, 'autorizacion-dialogo.png');
    await page.locator('#autorizar-si').click();
    const cmd = await prepago.next((m) => m.tipo === 'comando' && m.comando === 'autorizar');
    expect(cmd).toMatchObject({ limite: { tipo: 'monto', valor: 10_000 } });
    expect(cmd.vence_en_ms).toBeGreaterThan(100_000); // what is left of the 120 s timeout
    expect(cmd).not.toHaveProperty('combustibles');
    prepago.send({ tipo: 'comando_ejecutado', id_surtidor: 2, id_comando: cmd.id_comando, resultado: 'ok' });
    await expect.poll(() => card.locator('.autorizacion .limite').textContent()).toMatch(/^Monto \$10\.000$/);
    expect(await card.locator('.estado-autorizacion').textContent()).toBe('autorizada, esperando que despache');
    expect(await card.locator('[data-comando="cancelar_autorizacion"]').isEnabled()).toBe(true);
    prepago.send(estado(2, 'autorizado', { id_autorizacion: cmd.id_autorizacion }));
    await expect.poll(() => card.locator('.estado').textContent()).toBe('autorizado');
    await screenshot(page, 'autorizacion-emitida.png');

    // It dispenses under the authorization (no cancelling any more), then sells under the limit.
    prepago.send(
      estado(2, 'despachando', { id_autorizacion: cmd.id_autorizacion, litros_actuales: 3.5, monto_actual: 4725 }),
    );
    await expect.poll(() => card.locator('.estado-autorizacion').textContent()).toBe('despachando');
    expect(await card.locator('[data-comando="cancelar_autorizacion"]').count()).toBe(0);
    prepago.send({
      tipo: 'transaccion_completada',
      id_surtidor: 2,
      id_transaccion: 'prepago-1',
      tipo_combustible: '95',
      litros: 7,
      precio_por_litro: 1350,
      monto_total: 9450,
      metodo_pago: 'tarjeta',
      fecha_inicio: new Date(Date.now() - 60_000).toISOString(),
      fecha_fin: new Date().toISOString(),
      id_autorizacion: cmd.id_autorizacion,
    });
    expect(await prepago.next('transaccion_confirmada')).toMatchObject({
      id_transaccion: 'prepago-1',
      duplicada: false,
    });
    prepago.send(estado(2, 'disponible'));
    await expect.poll(() => card.locator('.estado-autorizacion').textContent()).toBe('completada');
    expect(await card.locator('.reembolso').textContent()).toMatch(/^Reembolso \$550$/);
    // Available again: the next customer may be authorized.
    await expect.poll(() => card.locator('[data-comando="autorizar"]').isEnabled()).toBe(true);
    // The last actions say who did what, in words.
    await expect.poll(() => page.locator('#acciones .accion').first().textContent()).toBe('Autorizar: Monto $10.000');
    expect(await page.locator('#acciones .accion').nth(1).textContent()).toBe('Modo prepago');
    await screenshot(page, 'autorizacion-completada.png');
  });
});
