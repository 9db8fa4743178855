#!/usr/bin/env node
// Part of `npm run build`: copies the browser libraries the pages import into the pages' build, so
// the services serve them themselves (no CDN, no bundler). The station's dashboard imports lit-html
// as 'lit-html' and 'lit-html/directives/…'; the import map in estacion/public/index.html points
// those at /vendor/lit-html/, which the station serves from estacion/dist/web/vendor/lit-html/.
// Only the production ES modules (and their source maps and licence) are copied.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The package's folder, found from its entry point (its exports do not include package.json). */
function packageDir(name) {
  let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  while (!existsSync(path.join(dir, 'package.json')) || readJson(path.join(dir, 'package.json')).name !== name) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no se encontró el paquete ${name}`);
    dir = up;
  }
  return dir;
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Copies `from`'s files whose names pass `keep`, in `folders` ('' is the top), to `to`. */
function copy(from, to, folders, keep) {
  rmSync(to, { recursive: true, force: true });
  for (const folder of folders) {
    mkdirSync(path.join(to, folder), { recursive: true });
    for (const entry of readdirSync(path.join(from, folder), { withFileTypes: true }))
      if (entry.isFile() && keep(entry.name))
        cpSync(path.join(from, folder, entry.name), path.join(to, folder, entry.name));
  }
}

const litHtml = packageDir('lit-html');
copy(litHtml, path.join(root, 'estacion/dist/web/vendor/lit-html'), ['', 'directives'], (name) =>
  /^(LICENSE|.+\.js(\.map)?)$/.test(name),
);
console.log(`lit-html ${readJson(path.join(litHtml, 'package.json')).version} → estacion/dist/web/vendor/lit-html`);
