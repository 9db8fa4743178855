/**
 * The operator dashboard in a real browser (Debian's Chromium) against a real station process
 * with pumps connected over TCP.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumAvailable, launchBrowser } from './helpers/browser.js';
import { type Json, LineClient } from './helpers/line-client.js';
import { ROOT, removeTempDirs, type StationProcess, startStationProcess } from './helpers/processes.js';

const available = chromiumAvailable();
if (!available)
  console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);

export const SCREENSHOTS = path.join(ROOT, 'tests', 'screenshots');

const registro = (id: number, nombre: string): Json => ({
  tipo: 'registro',
  id_surtidor: id,
  nombre,
  combustibles_soportados: ['93', '95', 'diesel'],
  version: '1.0',
});
const estado = (id: number, estado_operacion: string, litros: number, tipo_combustible = '95'): Json => ({
  tipo: 'estado',
  id_surtidor: id,
  estado_operacion,
  litros_actuales: litros,
  monto_actual: Math.round(litros * 1350),
  tipo_combustible,
  timestamp: new Date().toISOString(),
});

describe.skipIf(!available)('operator dashboard', () => {
  let station: StationProcess;
  let browser: Browser;
  let page: Page;
  const pumps: LineClient[] = [];

  beforeAll(async () => {
    station = await startStationProcess();
    for (const [id, nombre] of [
      [1, 'Isla Norte'],
      [2, 'Isla Sur'],
    ] as const) {
      const p = await LineClient.connect(station.pumpPort);
      p.send(registro(id, nombre));
      await p.next('registro_confirmado');
      pumps.push(p);
    }
    pumps[0]?.send(estado(1, 'disponible', 0));
    pumps[1]?.send(estado(2, 'despachando', 12.5));
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${station.apiPort}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(pumps.map((p) => p.close()));
    await station?.stop('SIGKILL');
    removeTempDirs();
  });

  it('shows the connected pumps live', async () => {
    await expect.poll(() => page.textContent('#conexion')).toBe('En vivo');
    const cards = page.locator('[data-surtidor]');
    await expect.poll(() => cards.count()).toBe(2);
    const sur = page.locator('[data-surtidor="2"]');
    await expect.poll(() => sur.locator('.estado').textContent()).toBe('despachando');
    pumps[1]?.send(estado(2, 'despachando', 20));
    await expect.poll(() => sur.locator('.litros').textContent()).toMatch(/^20,00\sL$/);
    expect(await page.locator('[data-combustible="95"] dd').textContent()).toMatch(/1\.350/);
  });

  it('shows a transaction sent on the TCP port without a reload', async () => {
    pumps[1]?.send({
      tipo: 'transaccion_completada',
      id_surtidor: 2,
      id_transaccion: 'panel-1',
      tipo_combustible: '95',
      litros: 20,
      precio_por_litro: 1350,
      monto_total: 27000,
      metodo_pago: 'tarjeta',
      fecha_inicio: new Date(Date.now() - 60_000).toISOString(),
      fecha_fin: new Date().toISOString(),
    });
    await pumps[1]?.next('transaccion_confirmada');
    const row = page.locator('[data-transaccion="panel-1"]');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('Isla Sur');
    await expect.poll(() => page.locator('#grafico rect').count(), { timeout: 5000 }).toBeGreaterThan(0);
  });

  it('sends pausar to the pump when the operator clicks the button', async () => {
    const pump = pumps[0] as LineClient;
    const command = pump.next('comando');
    await page.locator('[data-surtidor="1"] [data-comando="pausar"]').click();
    const cmd = await command;
    expect(cmd).toMatchObject({ comando: 'pausar' });
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 1, id_comando: cmd.id_comando, resultado: 'ok' });
    pump.send(estado(1, 'pausado', 0));
    await expect.poll(() => page.textContent('#aviso')).toContain('pausar → ok');
    await expect.poll(() => page.locator('[data-surtidor="1"] .estado').textContent()).toBe('pausado');
  });

  it('asks for confirmation before an emergency stop', async () => {
    const pump = pumps[1] as LineClient;
    await page.locator('[data-surtidor="2"] [data-comando="detener_emergencia"]').click();
    await expect.poll(() => page.locator('#confirmar').getAttribute('open')).not.toBeNull();
    await page.getByRole('button', { name: 'Cancelar' }).click();
    expect(pump.received.some((m) => m.tipo === 'comando')).toBe(false);

    const command = pump.next('comando');
    await page.locator('[data-surtidor="2"] [data-comando="detener_emergencia"]').click();
    await page.getByRole('button', { name: 'Detener ahora' }).click();
    const cmd = await command;
    expect(cmd).toMatchObject({
      comando: 'detener_emergencia',
      razon: 'Detención de emergencia desde el panel',
    });
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 2, id_comando: cmd.id_comando, resultado: 'ok' });
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
  });

  it('says when the station is gone and reconnects by itself when it is back', async () => {
    await station.stop('SIGTERM');
    await expect.poll(() => page.textContent('#conexion'), { timeout: 10_000 }).toMatch(/Sin conexión/);
    station = await startStationProcess({
      dataDir: station.dataDir,
      flags: { 'api-port': String(station.apiPort), 'ws-port': String(station.wsPort) },
    });
    await expect.poll(() => page.textContent('#conexion'), { timeout: 20_000 }).toBe('En vivo');
    // The transaction stored before the restart is in the new snapshot.
    await expect.poll(() => page.locator('[data-transaccion="panel-1"]').count()).toBe(1);
  });
});
