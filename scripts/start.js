#!/usr/bin/env node
// `npm start`: runs the whole system locally on the embedded store and says where to look.
// Each service is its own process (as in production); Ctrl-C stops them all cleanly.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../${name}/bin/${name}.js`, import.meta.url));

if (!existsSync(fileURLToPath(new URL('../estacion/dist/cli.js', import.meta.url)))) {
  console.error('The build is missing: run `npm install` (it builds) or `npm run build` first.');
  process.exit(1);
}

const services = [
  { name: 'estacion', args: ['--data-dir', 'data/estacion'] },
  // The company: its price book, and a link to the station's company port (it reconnects until the station is up).
  { name: 'empresa', args: ['serve', '--estacion', '127.0.0.1:5001', '--data-dir', 'data/empresa'] },
  // Four simulated pumps (they reconnect with backoff until the station is up).
  {
    name: 'surtidor',
    args: ['--count', '4', '--outbox-dir', 'data/surtidores', '--no-table', '--stats-interval', '60'],
  },
];

const children = services.map(({ name, args }) => {
  const child = spawn(process.execPath, [bin(name), ...args, '--log-pretty'], {
    cwd: root,
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
    company (prices)      http://localhost:8000/      API docs at /docs
    change a price        npx empresa precios set 95=1360      (then: npx empresa estaciones list)
    dashboard             http://localhost:8001/
    API docs              http://localhost:8001/docs
    WebSocket (live)      ws://localhost:4001/
    pumps (TCP, try nc)   nc localhost 6000     see docs/protocol.md for lines to paste
    simulated pumps       4 (ids 1-4), outbox in data/surtidores; more: npx surtidor --help
  Ctrl-C stops everything.
`);

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
