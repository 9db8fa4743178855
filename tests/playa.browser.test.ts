/**
 * "Detener toda la playa" in a real browser (Debian's Chromium) against a real station process with
 * three pumps over TCP: two answer every command at once, one never does. A supervisor stops the
 * whole forecourt and reads the result, which stays until "Entendido"; an operator is not offered
 * the emergency stop, and resumes everyone.
 */
import type { Page } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.js';
import { browserTestsAvailable, createDashboardUsers, dashboardAs, type Rol, screenshot } from './helpers/dashboard.js';
import { type Json, LineClient } from './helpers/line-client.js';
import { removeTempDirs, type StationProcess, startStationProcess } from './helpers/processes.js';
import { estado as estadoEn, registro } from '../estacion/src/hub/test-harness.js';

const available = browserTestsAvailable();

const PUMPS = [
  [1, 'Isla Norte'],
  [2, 'Isla Sur'],
  [3, 'Isla Este'],
] as const;

/** A pump's state now, as it reports it. */
const estado = (id: number, estado_operacion: string): Json => estadoEn(id, estado_operacion, new Date().toISOString());

/** Answers every `comando` at once, reporting the state it leads to, until the connection closes. */
async function answerEverything(p: LineClient, id: number): Promise<void> {
  for (;;) {
    let cmd: Json;
    try {
      cmd = await p.next('comando', 600_000);
    } catch {
      return;
    }
    p.send({ tipo: 'comando_ejecutado', id_surtidor: id, id_comando: cmd.id_comando, resultado: 'ok' });
    p.send(estado(id, cmd.comando === 'reanudar' ? 'disponible' : 'pausado'));
  }
}

describe.skipIf(!available)('dashboard: commands for the whole forecourt', () => {
  let station: StationProcess;
  let browser: Browser;
  const pumps: LineClient[] = [];

  /** A page logged in as `rol`, with the three pumps on screen. */
  async function as(rol: Rol): Promise<Page> {
    const p = await dashboardAs(browser, station, rol);
    await expect.poll(() => p.locator('[data-surtidor]').count()).toBe(3);
    return p;
  }

  beforeAll(async () => {
    // The pump that never answers is reported after this deadline (1 s rather than the default 2 s).
    station = await startStationProcess({
      flags: { nombre: 'Estación Centro', 'forecourt-command-timeout': '1' },
    });
    await createDashboardUsers(station);
    for (const [id, nombre] of PUMPS) {
      const p = await LineClient.connect(station.pumpPort);
      p.send(registro(id, { nombre }));
      await p.next('registro_confirmado');
      p.send(estado(id, 'disponible'));
      pumps.push(p);
    }
    void answerEverything(pumps[0] as LineClient, 1);
    void answerEverything(pumps[1] as LineClient, 2);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(pumps.map((p) => p.close()));
    await station?.stop('SIGKILL');
    removeTempDirs();
  });

  it('a supervisor stops the whole forecourt; the result stays until Entendido', async () => {
    const page = await as('supervisor');
    const stop = page.locator('[data-playa="detener_emergencia"]');
    expect(await stop.textContent()).toBe('Detener toda la playa');
    expect(await page.locator('[data-playa]').count()).toBe(3);

    // Cancel sends nothing.
    await stop.click();
    await expect.poll(() => page.locator('#confirmar').getAttribute('open')).not.toBeNull();
    expect(await page.textContent('#confirmar-titulo')).toBe('Detener toda la playa');
    await page.getByRole('button', { name: 'Cancelar' }).click();
    expect(pumps.some((p) => p.received.some((m) => m.tipo === 'comando'))).toBe(false);

    await stop.click();
    await page.locator('#confirmar-razon').fill('fuga de combustible en la isla sur');
    await screenshot(page, 'estacion-playa-confirmar.png');
    const silent = (pumps[2] as LineClient).next('comando');
    await page.locator('#confirmar-si').click();
    expect(await silent).toMatchObject({ comando: 'detener_emergencia', razon: 'fuga de combustible en la isla sur' });
    // In flight (pump 3 keeps it waiting until the deadline): every forecourt button is disabled.
    await expect.poll(() => stop.textContent()).toBe('Deteniendo toda la playa…');
    expect(await page.locator('[data-playa]:not([disabled])').count()).toBe(0);

    const panel = page.locator('#playa-resultado');
    await expect.poll(() => panel.count(), { timeout: 10_000 }).toBe(1);
    expect(await panel.locator('h3').textContent()).toBe('Detener toda la playa: incompleto');
    expect(await panel.locator('.playa-mensaje').textContent()).toBe(
      '2 de 3 surtidores conectados lo ejecutaron. Revise en la isla los de la lista.',
    );
    expect(await panel.locator('.playa-lista-titulo').textContent()).toBe('No respondieron en 1 s:');
    expect(await panel.locator('[data-cuenta="ejecutado"] dd').textContent()).toBe('2');
    expect(await panel.locator('[data-cuenta="sin_respuesta"] dd').textContent()).toBe('1');
    expect(await panel.locator('[data-cuenta="no_conectado"] dd').textContent()).toBe('0');
    expect(await panel.locator('#playa-sin-respuesta li').allTextContents()).toEqual(['Surtidor 3 · Isla Este']);
    expect(await stop.isDisabled()).toBe(false);
    // The cards of the two that stopped say who stopped them and why.
    await expect
      .poll(() => page.locator('[data-surtidor="1"] .pausado-por').textContent())
      .toMatch(/^Detenido por sofia: fuga de combustible en la isla sur/);
    await expect
      .poll(() => page.locator('#acciones li .accion').first().textContent())
      .toBe(
        'Detener (emergencia) toda la playa: fuga de combustible en la isla sur (2 ejecutaron, 1 sin respuesta, 0 no conectados)',
      );
    await screenshot(page, 'estacion-playa-resultado.png');

    // Live events redraw the page around it; it stays until acknowledged.
    (pumps[2] as LineClient).send(estado(3, 'despachando'));
    await expect.poll(() => page.locator('[data-surtidor="3"] .estado').textContent()).toBe('despachando');
    expect(await panel.count()).toBe(1);
    await page.locator('#playa-entendido').click();
    await expect.poll(() => panel.count()).toBe(0);
    await page.context().close();
  });

  it('an operador is not offered the emergency stop, and resumes everyone', async () => {
    const page = await as('operador');
    expect(await page.locator('[data-playa="detener_emergencia"]').count()).toBe(0);
    expect(await page.locator('[data-playa]').allTextContents()).toEqual(['Pausar todos', 'Reanudar todos']);

    await page.locator('[data-playa="reanudar"]').click();
    await expect.poll(() => page.locator('#confirmar').getAttribute('open')).not.toBeNull();
    expect(await page.textContent('#confirmar-titulo')).toBe('Reanudar todos');
    const silent = (pumps[2] as LineClient).next((m) => m.tipo === 'comando' && m.comando === 'reanudar');
    await page.locator('#confirmar-si').click();
    await silent;
    const panel = page.locator('#playa-resultado');
    await expect.poll(() => panel.count(), { timeout: 10_000 }).toBe(1);
    expect(await panel.locator('[data-cuenta="ejecutado"] dd').textContent()).toBe('2');
    await expect.poll(() => page.locator('[data-surtidor="1"] .estado').textContent()).toBe('disponible');
    await screenshot(page, 'estacion-playa-operador.png');
    await page.locator('#playa-entendido').click();
    await expect.poll(() => panel.count()).toBe(0);

    // The API refuses the emergency stop to an operador, clearly, whatever a page sends.
    const res = await page.evaluate(async () => {
      const r = await fetch('/api/surtidores/comando', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ comando: 'detener_emergencia', razon: 'x' }),
      });
      return { status: r.status, body: (await r.json()) as { error?: { codigo?: string; mensaje?: string } } };
    });
    expect(res.status).toBe(403);
    expect(res.body.error?.codigo).toBe('SIN_PERMISO');
    await page.context().close();
  });
});
