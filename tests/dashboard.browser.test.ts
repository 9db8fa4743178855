/**
 * The operator dashboard in a real browser (Debian's Chromium) against a real station process
 * with pumps connected over TCP: the login screen, what each role sees and may do, who paused a
 * pump, the last actions, and the session ending.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.js';
import {
  browserTestsAvailable,
  createDashboardUsers,
  DASHBOARD_USERS as USERS,
  dashboardAs,
  logIn,
  openDashboard,
  type Rol,
  screenshot,
} from './helpers/dashboard.js';
import { type Json, LineClient } from './helpers/line-client.js';
import { removeTempDirs, type StationProcess, startStationProcess } from './helpers/processes.js';

const available = browserTestsAvailable();

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
  /** The operator's page, used across the tests in order. */
  let page: Page;
  const pumps: LineClient[] = [];

  const open = () => openDashboard(browser, station);
  const as = (rol: Rol) => dashboardAs(browser, station, rol);

  beforeAll(async () => {
    station = await startStationProcess({ flags: { nombre: 'Estación Centro' } });
    await createDashboardUsers(station);
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
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(pumps.map((p) => p.close()));
    await station?.stop('SIGKILL');
    removeTempDirs();
  });

  it('opens on a login screen with the station name, refuses a wrong password and lets the operator in', async () => {
    page = await open();
    await expect.poll(() => page.locator('#sesion-titulo').textContent()).toBe('Estación Centro · panel del operador');
    expect(await page.locator('.sesion-fondo').isVisible()).toBe(true);
    // Nothing of the dashboard shows before the login.
    expect(await page.locator('main').isVisible()).toBe(false);
    await screenshot(page, 'estacion-login.png');

    await logIn(page, 'ana', 'no-es-la-clave');
    await expect.poll(() => page.locator('.sesion-error').textContent()).toBe('Usuario o clave incorrectos.');
    await logIn(page, USERS.operador.usuario, USERS.operador.clave);
    await expect.poll(() => page.textContent('#conexion')).toBe('En vivo');
    expect(await page.locator('.sesion-fondo').count()).toBe(0);
    expect(await page.textContent('#sesion-quien')).toBe('ana (operador)');
    expect(await page.textContent('#titulo')).toBe('Estación Centro');
  });

  it('shows the connected pumps live', async () => {
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

  it('shows a sale that came back with other content under Conflictos, with both versions', async () => {
    // The same id again with other litres (a pump whose storage was wiped restarts its ids).
    pumps[1]?.send({
      tipo: 'transaccion_completada',
      id_surtidor: 2,
      id_transaccion: 'panel-1',
      tipo_combustible: '95',
      litros: 25,
      precio_por_litro: 1350,
      monto_total: 33_750,
      metodo_pago: 'tarjeta',
      fecha_inicio: new Date(Date.now() - 60_000).toISOString(),
      fecha_fin: new Date().toISOString(),
    });
    expect(await pumps[1]?.next('transaccion_confirmada')).toMatchObject({
      id_transaccion: 'panel-1',
      duplicada: false,
      conflicto: true,
    });
    await expect.poll(() => page.textContent('#total-conflictos')).toBe('1');
    const item = page.locator('#conflictos [data-conflicto]');
    await expect.poll(() => item.count()).toBe(1);
    const text = (await item.textContent()) ?? '';
    expect(text).toContain('panel-1');
    expect(text).toContain('Isla Sur');
    expect(text).toMatch(/litros/);
    // Both versions are on screen: 20 L stored first, 25 L received later.
    expect(text).toMatch(/20,00\sL/);
    expect(text).toMatch(/25,00\sL/);
    // The alert says so too.
    await expect.poll(() => page.locator('[data-alerta="TRANSACCION_EN_CONFLICTO"]').count()).toBe(1);
    await screenshot(page, 'estacion-conflictos.png');
  });

  it('pauses with the operator’s reason; the card says who paused it and the last actions list it', async () => {
    const pump = pumps[0] as LineClient;
    const command = pump.next('comando');
    await page.locator('[data-surtidor="1"] [data-comando="pausar"]').click();
    await expect.poll(() => page.locator('#confirmar').getAttribute('open')).not.toBeNull();
    expect(await page.textContent('#confirmar-titulo')).toBe('Pausar el surtidor 1');
    await page.locator('#confirmar-razon').fill('limpieza de la isla');
    await screenshot(page, 'estacion-pausar.png');
    await page.locator('#confirmar-si').click();
    const cmd = await command;
    expect(cmd).toMatchObject({ comando: 'pausar', razon: 'limpieza de la isla' });
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 1, id_comando: cmd.id_comando, resultado: 'ok' });
    pump.send(estado(1, 'pausado', 0));
    await expect.poll(() => page.textContent('#aviso')).toContain('pausar → ok');
    const card = page.locator('[data-surtidor="1"]');
    await expect.poll(() => card.locator('.estado').textContent()).toBe('pausado');
    await expect
      .poll(() => card.locator('.pausado-por').textContent())
      .toMatch(/^Pausado por ana: limpieza de la isla · /);

    const last = page.locator('#acciones li').first();
    await expect.poll(() => last.locator('.usuario').textContent()).toBe('ana');
    expect(await last.locator('.accion').textContent()).toBe('Pausar: limpieza de la isla');
    expect(await last.locator('.objetivo').textContent()).toBe('Surtidor 1');
    expect(await last.locator('.resultado').textContent()).toBe('hecho');
    expect(await last.locator('time').textContent()).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    await screenshot(page, 'estacion-operador.png');
  });

  it('shows each role only the buttons it may use', async () => {
    // Operador: pausar and reanudar, no emergency stop.
    expect(await page.locator('[data-comando="pausar"]').count()).toBe(2);
    expect(await page.locator('[data-comando="reanudar"]').count()).toBe(2);
    expect(await page.locator('[data-comando="detener_emergencia"]').count()).toBe(0);

    const lectura = await as('lectura');
    await expect.poll(() => lectura.locator('[data-surtidor]').count()).toBe(2);
    expect(await lectura.locator('[data-comando]').count()).toBe(0);
    expect(await lectura.textContent('#sesion-quien')).toBe('luis (lectura)');
    // Reading is everything else: the pause, its reason and the last actions are there too.
    await expect.poll(() => lectura.locator('[data-surtidor="1"] .pausado-por').count()).toBe(1);
    await expect.poll(() => lectura.locator('#acciones li[data-accion]').count()).toBeGreaterThan(0);
    await screenshot(lectura, 'estacion-lectura.png');
    await lectura.context().close();

    const supervisor = await as('supervisor');
    await expect.poll(() => supervisor.locator('[data-surtidor]').count()).toBe(2);
    for (const comando of ['pausar', 'reanudar', 'detener_emergencia'])
      expect(await supervisor.locator(`[data-comando="${comando}"]`).count(), comando).toBe(2);
    await supervisor.context().close();
  });

  it('asks a supervisor for confirmation before an emergency stop', async () => {
    const supervisor = await as('supervisor');
    const pump = pumps[1] as LineClient;
    await supervisor.locator('[data-surtidor="2"] [data-comando="detener_emergencia"]').click();
    await expect.poll(() => supervisor.locator('#confirmar').getAttribute('open')).not.toBeNull();
    await supervisor.getByRole('button', { name: 'Cancelar' }).click();
    expect(pump.received.some((m) => m.tipo === 'comando')).toBe(false);

    const command = pump.next('comando');
    await supervisor.locator('[data-surtidor="2"] [data-comando="detener_emergencia"]').click();
    await supervisor.getByRole('button', { name: 'Detener ahora' }).click();
    const cmd = await command;
    expect(cmd).toMatchObject({
      comando: 'detener_emergencia',
      razon: 'Detención de emergencia desde el panel',
    });
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 2, id_comando: cmd.id_comando, resultado: 'ok' });
    pump.send(estado(2, 'pausado', 0));
    await expect
      .poll(() => supervisor.locator('[data-surtidor="2"] .pausado-por').textContent())
      .toMatch(/^Detenido por sofia: Detención de emergencia desde el panel/);
    // The operator's page sees it live too.
    await expect
      .poll(() => page.locator('#acciones li .accion').first().textContent())
      .toMatch(/^Detener \(emergencia\)/);
    await screenshot(supervisor, 'estacion-supervisor.png');
    await supervisor.context().close();
  });

  // Two logins (scrypt) and three page loads: 20 s ran out once in a fresh-clone CI run with the
  // whole suite in parallel. At 60 s a click that truly hangs reports Playwright's own 30 s
  // timeout, which names what it waited for.
  it('brings the login screen back when the session ends, and logs out with Salir', { timeout: 60_000 }, async () => {
    const operador = await as('operador');
    // The session is revoked elsewhere (its cookie logged out through the API).
    const [cookie] = await operador.context().cookies();
    expect(cookie).toMatchObject({ name: 'sesion', httpOnly: true, sameSite: 'Strict' });
    const out = await fetch(`${station.api}/api/sesion`, {
      method: 'DELETE',
      headers: { cookie: `sesion=${cookie?.value}` },
    });
    expect(out.status).toBe(204);
    // The next call to the API answers 401: the login screen comes back, without a reload.
    await operador.locator('[data-surtidor="1"] [data-comando="reanudar"]').click();
    await expect.poll(() => operador.locator('#sesion-usuario').count()).toBe(1);
    expect(pumps[0]?.received.filter((m) => m.tipo === 'comando' && m.comando === 'reanudar')).toEqual([]);
    await logIn(operador, USERS.operador.usuario, USERS.operador.clave);
    await expect.poll(() => operador.textContent('#conexion')).toBe('En vivo');
    expect(await operador.textContent('#sesion-quien')).toBe('ana (operador)');

    await operador.locator('#sesion-salir').click();
    await expect.poll(() => operador.locator('#sesion-usuario').count()).toBe(1);
    expect(await operador.context().cookies()).toEqual([]);
    await operador.context().close();
  });

  it('says when the station is gone and reconnects by itself when it is back', async () => {
    await station.stop('SIGTERM');
    await expect.poll(() => page.textContent('#conexion'), { timeout: 10_000 }).toMatch(/Sin conexión/);
    station = await startStationProcess({
      dataDir: station.dataDir,
      flags: {
        'api-port': String(station.apiPort),
        'ws-port': String(station.wsPort),
        nombre: 'Estación Centro',
        // The test of a command in flight keeps one unanswered: room for a slow, shared machine.
        'command-timeout': '30',
      },
    });
    // The session is in the store: the operator stays logged in across the restart.
    await expect.poll(() => page.textContent('#conexion'), { timeout: 20_000 }).toBe('En vivo');
    expect(await page.locator('.sesion-fondo').count()).toBe(0);
    // The transaction stored before the restart is in the new snapshot.
    await expect.poll(() => page.locator('[data-transaccion="panel-1"]').count()).toBe(1);
  });

  it('works with hundreds of pumps: the connected ones and the counts first, the rest when asked', async () => {
    // After the restart above no pump is connected; 300 more are configured at the station.
    for (let i = 0; i < 300; i++)
      await station.request('/api/surtidores', 'POST', { nombre: `Isla ${i + 3}`, combustibles_soportados: ['95'] });
    const p = await as('lectura');
    const pump = await LineClient.connect(station.pumpPort);
    pumps.push(pump);
    pump.send(registro(7, 'Isla 7'));
    await pump.next('registro_confirmado');
    // The snapshot carries the connected pumps and how many there are, not 302 cards.
    await expect.poll(() => p.textContent('#resumen-surtidores')).toMatch(/^1\/302 conectados/);
    expect(await p.locator('[data-surtidor]').count()).toBe(1);
    const verTodos = p.locator('#ver-todos');
    expect(await verTodos.isVisible()).toBe(true);
    await screenshot(p, 'estacion-muchos-surtidores.png');
    await verTodos.click();
    await expect.poll(() => p.locator('[data-surtidor]').count()).toBe(302);
    expect(await verTodos.isVisible()).toBe(false);
    expect(await p.locator('[data-surtidor="7"] .estado').textContent()).toBe('disponible');
    expect(await p.locator('[data-surtidor="300"] .estado').textContent()).toBe('desconectado');
    await p.context().close();
  });

  it('updates a card in place: a command in flight keeps its button disabled through estado updates', async () => {
    const p = await as('operador');
    const pump = await LineClient.connect(station.pumpPort);
    pumps.push(pump);
    pump.send(registro(9, 'Isla 9'));
    await pump.next('registro_confirmado');
    pump.send(estado(9, 'despachando', 1));
    const card = p.locator('[data-surtidor="9"]');
    const pausar = card.locator('[data-comando="pausar"]');
    await expect.poll(() => card.locator('.litros').textContent()).toMatch(/^1,00\sL$/);
    const before = { card: await card.elementHandle(), pausar: await pausar.elementHandle() };

    // Pausar, confirmed: the command reaches the pump, which does not answer yet.
    const command = pump.next('comando');
    await pausar.click();
    await p.locator('#confirmar-razon').fill('cambio de manguera');
    await p.locator('#confirmar-si').click();
    const cmd = await command;
    expect(cmd).toMatchObject({ comando: 'pausar', razon: 'cambio de manguera' });
    await expect.poll(() => pausar.isDisabled()).toBe(true);

    // The pump keeps dispatching meanwhile, and another pump connects before it in the grid.
    pump.send(estado(9, 'despachando', 2));
    pump.send(estado(9, 'despachando', 3.5));
    const other = await LineClient.connect(station.pumpPort);
    pumps.push(other);
    other.send(registro(5, 'Isla 5'));
    await other.next('registro_confirmado');
    await expect.poll(() => card.locator('.litros').textContent()).toMatch(/^3,50\sL$/);
    // Tests are typed without the DOM lib: the cards are typed by the one method used of them.
    type Card = { getAttribute(name: string): string | null };
    await expect
      .poll(() =>
        p.locator('[data-surtidor]').evaluateAll((cards: Card[]) => cards.map((c) => c.getAttribute('data-surtidor'))),
      )
      .toEqual(['5', '7', '9']);
    // The button still waits for its answer, and it is the same card and button, updated in place.
    expect(await pausar.isDisabled()).toBe(true);
    expect(await card.evaluate((now, old) => now === old, before.card)).toBe(true);
    expect(await pausar.evaluate((now, old) => now === old, before.pausar)).toBe(true);
    // And says so.
    expect(await pausar.getAttribute('aria-busy')).toBe('true');
    expect(await pausar.textContent()).toBe('Pausando…');
    // Reanudar does not apply to a pump that is dispatching.
    expect(await card.locator('[data-comando="reanudar"]').isDisabled()).toBe(true);
    await screenshot(p, 'estacion-comando-en-curso.png');
    expect(pump.received.filter((m) => m.tipo === 'comando')).toHaveLength(1);

    // The answer arrives: the button is itself again (disabled now because the pump is paused).
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 9, id_comando: cmd.id_comando, resultado: 'ok' });
    pump.send(estado(9, 'pausado', 0));
    await expect.poll(() => p.textContent('#aviso')).toContain('Surtidor 9: pausar → ok');
    await expect.poll(() => pausar.getAttribute('aria-busy')).toBeNull();
    expect(await pausar.textContent()).toBe('Pausar');
    // The answer and the pump's new estado are two events: the button follows the estado once it lands.
    await expect.poll(() => pausar.isDisabled()).toBe(true);
    await expect.poll(() => card.locator('[data-comando="reanudar"]').isDisabled()).toBe(false);
    expect(await card.locator('.pausado-por').textContent()).toMatch(/^Pausado por ana: cambio de manguera · /);
    expect(await card.evaluate((now, old) => now === old, before.card)).toBe(true);
    await p.context().close();
  });
  it('shows the price version the company scheduled, until it is cancelled', async () => {
    const p = await as('lectura');
    await expect.poll(() => p.isHidden('#precios-programados')).toBe(true);
    // The company, on the station's company port (no company token configured on this station).
    const company = await LineClient.connect(station.companyPort);
    pumps.push(company);
    await company.next('estacion_info');
    const vigencia = new Date(Date.now() + 3 * 3_600_000).toISOString();
    company.send({
      tipo: 'actualizacion_precios',
      version: 7,
      precios: { precio_93: 1290, precio_95: 1390, precio_97: 1400, precio_diesel: 1120 },
      timestamp: new Date().toISOString(),
      vigencia,
    });
    expect(await company.next('precios_recibidos')).toMatchObject({ version: 7 });
    const line = p.locator('#precios-programados');
    await expect.poll(() => line.textContent()).toMatch(/^Programada: versión 7 desde el .+ · 95 \$1\.390\./);
    expect(await p.locator('#version-precios').textContent()).toBe('versión 0'); // not in force yet
    await screenshot(p, 'estacion-precios-programados.png');

    company.send({ tipo: 'cancelacion_precios', version: 7, timestamp: new Date().toISOString() });
    expect(await company.next('cancelacion_recibida')).toMatchObject({ resultado: 'cancelada' });
    await expect.poll(() => p.isHidden('#precios-programados')).toBe(true);
    await p.context().close();
  });
});
