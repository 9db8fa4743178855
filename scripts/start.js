#!/usr/bin/env node
// `npm start`: runs the whole system locally on the embedded store and says where to look.
// Each service is its own process (as in production); Ctrl-C stops them all cleanly.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../${name}/bin/${name}.js`, import.meta.url));

if (!existsSync(fileURLToPath(new URL('../estacion/dist/cli.js', import.meta.url)))) {
  console.error('The build is missing: run `npm install` (it builds) or `npm run build` first.');
  process.exit(1);
}

// The `admin` password of both services: made on the first run, kept in data/admin-password
// (readable by this user only), and used by each service when it creates `admin` on its first
// start. It goes to the services through their environment (ESTACION_/EMPRESA_ADMIN_PASSWORD, the
// same as --admin-password), not their command line, which other local users can read with ps.
const dataDir = fileURLToPath(new URL('../data', import.meta.url));
const passwordFile = fileURLToPath(new URL('../data/admin-password', import.meta.url));
const hadData = ['estacion/estacion.db', 'empresa/empresa.db'].some((f) =>
  existsSync(fileURLToPath(new URL(`../data/${f}`, import.meta.url))),
);
let newPassword = false;
if (!existsSync(passwordFile)) {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(passwordFile, `${randomBytes(12).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  newPassword = true;
}
const adminPassword = readFileSync(passwordFile, 'utf8').trim();

const services = [
  // --tanques-demo: on the first run the station gets tanks 1-4 (93, 95, 97, diesel) for the gauges to report.
  { name: 'estacion', args: ['--data-dir', 'data/estacion', '--tanques-demo'] },
  // The company: its price book, and a link to the station's company port (it reconnects until the station is up).
  { name: 'empresa', args: ['serve', '--estacion', '127.0.0.1:5001', '--data-dir', 'data/empresa'] },
  // Four simulated pumps (they reconnect with backoff until the station is up).
  {
    name: 'surtidor',
    // --tanques: a gauge console reports tanks 1-4 as the pumps draw from them; --descargas: trucks refill them.
    args: [
      ...['--count', '4', '--outbox-dir', 'data/surtidores', '--no-table', '--stats-interval', '60'],
      ...['--tanques', '--descargas'],
    ],
  },
];

const children = services.map(({ name, args }) => {
  const child = spawn(process.execPath, [bin(name), ...args, '--log-pretty'], {
    cwd: root,
    env: { ...process.env, ESTACION_ADMIN_PASSWORD: adminPassword, EMPRESA_ADMIN_PASSWORD: adminPassword },
    stdio: ['ignore', 'inherit', 'inherit'],
    // Own process group: Ctrl-C reaches only this script, which then stops each service once.
    detached: true,
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping the rest.`);
      stop(1);
    }
  });
  return child;
});

console.log(`
  Red de combustible, running locally (embedded store under ./data):
    log in (both pages)   user admin, password ${adminPassword}   (kept in data/admin-password)
    company (prices)      http://localhost:8000/      API docs at /docs
    company (network)     http://localhost:8000/#red  the station's sales flow up; every sale: /#ventas
    change a price        npx empresa login --usuario admin    then: npx empresa precios set 95=1360
    dashboard             http://localhost:8001/   more users: npx estacion usuarios add ana --rol operador --data-dir data/estacion
    API docs              http://localhost:8001/docs
    WebSocket (live)      ws://localhost:4001/
    pumps (TCP, try nc)   nc localhost 6000     see docs/protocol.md for lines to paste
    simulated pumps       4 (ids 1-4), outbox in data/surtidores; more: npx surtidor --help
    prepaid pump          4 (set on the first run): its customers wait for "Autorizar" on the dashboard
    tanks                 1-4 (93, 95, 97, diesel; made on the first run): "Tanques" on the dashboard, fed by gauges on port 6000
  Ctrl-C stops everything.
`);
if (newPassword && hadData)
  console.log(
    '  (data/admin-password is new but ./data already had users: an existing admin keeps its old password.)\n',
  );

/** Waits for the station and pump `id`, then sets the pump's modo_autorizacion to prepago. */
async function prepaidDemo(id) {
  const api = 'http://127.0.0.1:8001';
  const until = Date.now() + 60_000;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 500));
  try {
    let token;
    while (token === undefined) {
      if (Date.now() > until || stopping) throw new Error('la estación no respondió en 60 s');
      const res = await fetch(`${api}/api/sesion`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ usuario: 'admin', clave: adminPassword }),
      }).catch(() => null);
      if (res?.ok) token = (await res.json()).token;
      else await pause();
    }
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    for (;;) {
      if (Date.now() > until || stopping) throw new Error(`el surtidor ${id} no se registró en 60 s`);
      const res = await fetch(`${api}/api/surtidores/${id}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ modo_autorizacion: 'prepago' }),
      });
      if (res.ok) break;
      if (res.status !== 404 && res.status !== 409) throw new Error(`PUT respondió ${res.status}`);
      await pause();
    }
    console.log(`  Surtidor ${id} en prepago: sus clientes esperan "Autorizar" en el panel.`);
  } catch (err) {
    console.error(`  (no se pudo poner el surtidor ${id} en prepago: ${err.message})`);
  }
}

let stopping = false;
/** Stops the services in reverse order: pumps first (they hand their last sales to the station), the station last. */
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

// On the first run, pump 4 is put in prepago through the station's API (as a supervisor would), so
// the dashboard shows the authorization flow; later runs keep whatever the operators set.
if (!hadData) void prepaidDemo(4);
