/**
 * The README's scripts table against package.json: every script it names exists, the lint row
 * names the tool `npm run lint` really runs, and no other linter is named in the README or the docs
 * (the project moved from biome to eslint once, and a stale line survived the move).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url);
const read = (rel: string) => readFileSync(new URL(rel, ROOT), 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
const readme = read('README.md');
/** Rows of the README's "Scripts" table: `| \`npm …\` | does |`. */
const rows = [...readme.matchAll(/^\| `npm (?:run )?([\w:-]+)[^`]*` \| (.*) \|$/gm)].map((m) => ({
  script: m[1] as string,
  does: m[2] as string,
}));
const CODE_TOOLS = /\b(eslint|biome|prettier|tslint|standardjs|xo|oxlint|rome|dprint|jshint|jslint)\b/gi;
/** The linters and formatters the scripts actually run (the first word of a script). */
const toolsRun = new Set(Object.values(scripts).map((s) => (s.split(/\s+/)[0] as string).toLowerCase()));

describe('README scripts', () => {
  it('names only scripts that package.json has', () => {
    expect(rows.map((r) => r.script)).toEqual(expect.arrayContaining(['start', 'test', 'build', 'lint']));
    for (const { script } of rows) expect(scripts, script).toHaveProperty(script);
  });

  it('the lint row names the tool `npm run lint` runs', () => {
    const tool = (scripts.lint ?? '').split(/\s+/)[0] as string;
    expect(tool).toBe('eslint');
    const lint = rows.find((r) => r.script === 'lint');
    expect(lint?.does).toContain(tool);
  });

  it('the format rows name the tool `npm run format` runs', () => {
    const tool = (scripts.format ?? '').split(/\s+/)[0] as string;
    expect(tool).toBe('prettier');
    expect(scripts['format:check']).toMatch(/^prettier --check/);
    expect(scripts.test).toContain('npm run format:check');
    expect(rows.find((r) => r.script === 'format')?.does.toLowerCase()).toContain(tool);
  });

  it('no linter or formatter is named in the README or the docs that no script runs', () => {
    const files = [
      'README.md',
      'server/README.md',
      'surtidor/README.md',
      ...readdirSync(new URL('docs/', ROOT)).map((f) => `docs/${f}`),
    ];
    for (const file of files.filter((f) => f.endsWith('.md'))) {
      const named = [...read(file).matchAll(CODE_TOOLS)].map((m) => m[0].toLowerCase());
      expect(
        named.filter((t) => !toolsRun.has(t)),
        file,
      ).toEqual([]);
    }
  });
});
