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

const services = [{ name: 'estacion', args: ['--data-dir', 'data/estacion'] }];

const children = services.map(({ name, args }) => {
  const child = spawn(process.execPath, [bin(name), ...args, '--log-pretty'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
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
    pumps (TCP, try nc)   nc localhost 6000     see docs/protocol.md for lines to paste
  Ctrl-C stops everything.
`);

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  let left = children.length;
  for (const child of children) {
    if (child.exitCode !== null) {
      left -= 1;
      continue;
    }
    child.once('exit', () => {
      left -= 1;
      if (left === 0) process.exit(code);
    });
    child.kill('SIGTERM');
  }
  if (left === 0) process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
