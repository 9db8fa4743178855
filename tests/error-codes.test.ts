/**
 * Every error (and alert) code registry against the source and the docs, both ways:
 *   (a) every code in a registry is raised somewhere in the non-test source that may raise it
 *       (the registry's own declaration does not count), or is relayed from a registry that is;
 *   (b) every code the source raises is in a registry that applies there;
 *   (c) every code in a registry is documented (in backticks) in each of its documents.
 * "Raised" means a string literal in a raising position: `new …Error('X'`, `errorBody('X'`,
 * `wireError('X'` / `sendError('X'`, `withCode('X'`, a `codigo: 'X'` sent, logged or stored, an
 * error class's `code = 'X'`, or a CLI message that starts with its code (`` `X: … ``).
 * The last test runs the same checks on a made-up registry with a code nobody raises, and on a
 * source raising a code nobody registered, and expects both to be reported.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LINK_ANOMALIES } from '../empresa/src/domain/price-book.js';
import { REPORT_REJECTIONS } from '../empresa/src/domain/reports.js';
import { COMPANY_ERRORS } from '../empresa/src/errors.js';
import { STATION_ALERTS } from '../estacion/src/domain/alert-codes.js';
import { STATION_ERRORS } from '../estacion/src/errors.js';
import { AUTH_ERRORS } from '../server/src/auth/error-codes.js';
import { COMMON_API_ERRORS } from '../server/src/http/errors.js';
import { STARTUP_ERRORS } from '../server/src/safety/exposure.js';
import { WIRE_ERRORS } from '../shared/src/errors.js';
import { SURTIDOR_ERRORS } from '../surtidor/src/errors.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** How a code is raised: each registry says which kinds apply to it ('any' applies to all). */
type Kind = 'api' | 'wire' | 'surtidor' | 'any';

const CODE = "'([A-Z][A-Z0-9_]{3,})'";
const RAISES: { kind: Kind; re: RegExp }[] = [
  { kind: 'api', re: new RegExp(`\\bnew\\s+(?:Api|Station|Company|Auth)Error\\(\\s*${CODE}`, 'g') },
  { kind: 'api', re: new RegExp(`\\berrorBody\\(\\s*${CODE}`, 'g') },
  { kind: 'wire', re: new RegExp(`\\b(?:wireError|sendError)\\(\\s*${CODE}`, 'g') },
  { kind: 'surtidor', re: new RegExp(`\\b(?:new\\s+SurtidorError|withCode)\\(\\s*${CODE}`, 'g') },
  // A code sent (an `error`, a `registro_rechazado`), logged, or stored (an alert, an anomaly).
  { kind: 'any', re: new RegExp(`\\bcodigo:\\s*${CODE}`, 'g') },
  // An error class with one fixed code (ConfigError, ExposureDeniedError).
  { kind: 'any', re: new RegExp(`\\bcode\\s*=\\s*${CODE}`, 'g') },
  // An error whose message starts with its code (the CLIs' errors).
  { kind: 'any', re: /\b(?:new\s+\w*Error|super)\(\s*`([A-Z][A-Z0-9_]{3,}): /g },
];

interface Registry {
  name: string;
  /** The file declaring it, and the name of the declaration (cut out before scanning). */
  file: string;
  declaration: string;
  codes: readonly string[];
  kinds: Kind[];
  /** Folders whose non-test sources may raise its codes (the code that runs in that program). */
  raisedIn: string[];
  /** Where each code must be documented. */
  docs: string[];
  /** Codes another registry's code raises and this program passes on (code → that registry). */
  relayed?: Record<string, string>;
}

const API_DOCS = { estacion: 'docs/api.md', empresa: 'docs/empresa.md' };

const REGISTRIES: Registry[] = [
  {
    name: 'COMMON_API_ERRORS',
    file: 'server/src/http/errors.ts',
    declaration: 'COMMON_API_ERRORS',
    codes: Object.keys(COMMON_API_ERRORS),
    kinds: ['api'],
    raisedIn: ['server/src'],
    docs: [API_DOCS.estacion, API_DOCS.empresa],
  },
  {
    name: 'AUTH_ERRORS',
    file: 'server/src/auth/error-codes.ts',
    declaration: 'AUTH_ERRORS',
    codes: Object.keys(AUTH_ERRORS),
    kinds: ['api'],
    raisedIn: ['server/src/auth'],
    docs: [API_DOCS.estacion, API_DOCS.empresa],
  },
  {
    name: 'STARTUP_ERRORS',
    file: 'server/src/safety/exposure.ts',
    declaration: 'STARTUP_ERRORS',
    codes: Object.keys(STARTUP_ERRORS),
    kinds: [],
    raisedIn: ['server/src'],
    docs: ['docs/security.md'],
  },
  {
    name: 'STATION_ERRORS',
    file: 'estacion/src/errors.ts',
    declaration: 'STATION_ERRORS',
    codes: Object.keys(STATION_ERRORS),
    kinds: ['api'],
    raisedIn: ['server/src', 'estacion/src'],
    docs: [API_DOCS.estacion],
  },
  {
    name: 'COMPANY_ERRORS',
    file: 'empresa/src/errors.ts',
    declaration: 'COMPANY_ERRORS',
    codes: Object.keys(COMPANY_ERRORS),
    kinds: ['api'],
    raisedIn: ['server/src', 'empresa/src'],
    docs: [API_DOCS.empresa],
  },
  {
    name: 'WIRE_ERRORS',
    file: 'shared/src/errors.ts',
    declaration: 'WIRE_ERRORS',
    codes: Object.keys(WIRE_ERRORS),
    kinds: ['wire'],
    // The station answers pumps and the company; the company answers a misbehaving station.
    raisedIn: ['shared/src', 'estacion/src', 'empresa/src'],
    docs: ['docs/protocol.md'],
  },
  {
    name: 'SURTIDOR_ERRORS',
    file: 'surtidor/src/errors.ts',
    declaration: 'SURTIDOR_ERRORS',
    codes: Object.keys(SURTIDOR_ERRORS),
    kinds: ['surtidor'],
    raisedIn: ['shared/src', 'surtidor/src'],
    docs: ['surtidor/README.md'],
    // The station's refusal of a token: the pump stops for good and reports it under that code.
    relayed: { AUTENTICACION_FALLIDA: 'WIRE_ERRORS' },
  },
  {
    name: 'STATION_ALERTS',
    file: 'estacion/src/domain/alert-codes.ts',
    declaration: 'STATION_ALERTS',
    codes: Object.keys(STATION_ALERTS),
    kinds: [],
    raisedIn: ['estacion/src'],
    docs: [API_DOCS.estacion],
  },
  {
    name: 'LINK_ANOMALIES',
    file: 'empresa/src/domain/price-book.ts',
    declaration: 'LINK_ANOMALIES',
    codes: Object.keys(LINK_ANOMALIES),
    kinds: [],
    raisedIn: ['empresa/src'],
    docs: [API_DOCS.empresa],
  },
  {
    name: 'REPORT_REJECTIONS',
    file: 'empresa/src/domain/reports.ts',
    declaration: 'REPORT_REJECTIONS',
    codes: Object.keys(REPORT_REJECTIONS),
    kinds: [],
    raisedIn: ['empresa/src'],
    docs: [API_DOCS.empresa],
  },
];

interface Source {
  file: string;
  text: string;
}

interface Raise {
  file: string;
  line: number;
  kind: Kind;
  code: string;
}

const TEST_FILE =
  /(\.test\.ts|\/test-harness\.ts|\/test-support\.ts|\/test-builders\.ts|\/contract\.ts|\/testing\.ts)$/;
const TEST_DIR = /\/(testing|fixtures)\//;

/** The non-test TypeScript sources of the programs (not their browser code, not the benches). */
function readSources(): Source[] {
  const out: Source[] = [];
  for (const pkg of ['shared', 'server', 'estacion', 'empresa', 'surtidor']) {
    const dir = path.join(ROOT, pkg, 'src');
    for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
      const file = `${pkg}/src/${rel.split(path.sep).join('/')}`;
      if (!file.endsWith('.ts') || TEST_FILE.test(file) || TEST_DIR.test(file)) continue;
      out.push({ file, text: readFileSync(path.join(ROOT, file), 'utf8') });
    }
  }
  return out;
}

/** `text` with the declaration `export const <name> = { … }` blanked out (line numbers kept). */
function withoutDeclaration(text: string, name: string): string {
  const start = text.search(new RegExp(`export const ${name}\\b[^=]*=\\s*\\{`));
  if (start < 0) throw new Error(`no declaration of ${name}`);
  let depth = 0;
  for (let i = text.indexOf('{', start); i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) {
      return text.slice(0, start) + text.slice(start, i + 1).replace(/[^\n]/g, ' ') + text.slice(i + 1);
    }
  }
  throw new Error(`unbalanced declaration of ${name}`);
}

/** Every raise in the sources, comments left out. */
function findRaises(sources: Source[]): Raise[] {
  const raises: Raise[] = [];
  for (const { file, text } of sources) {
    // Blank comments (keeping line breaks) so that prose naming a code does not count.
    const code = text.replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/[^\n]*/g, (m) => m.replace(/[^\n]/g, ' '));
    for (const { kind, re } of RAISES) {
      for (const m of code.matchAll(re)) {
        const at = m.index + m[0].lastIndexOf(m[1] as string);
        const line = code.slice(0, at).split('\n').length;
        raises.push({ file, line, kind, code: m[1] as string });
      }
    }
  }
  return raises;
}

const under = (file: string, folders: string[]) => folders.some((f) => file.startsWith(`${f}/`));
const applies = (r: Registry, raise: Raise) =>
  under(raise.file, r.raisedIn) && (raise.kind === 'any' || r.kinds.includes(raise.kind));

/** The sources each registry is checked against: all of them, its own declaration blanked. */
function sourcesFor(r: Registry, sources: Source[]): Source[] {
  return sources.map((s) =>
    s.file === r.file ? { file: s.file, text: withoutDeclaration(s.text, r.declaration) } : s,
  );
}

interface Problems {
  neverRaised: string[];
  unregistered: string[];
  undocumented: string[];
}

function check(registries: Registry[], sources: Source[], readDoc: (file: string) => string): Problems {
  const problems: Problems = { neverRaised: [], unregistered: [], undocumented: [] };
  const raisedBy = new Map<string, Raise[]>();
  for (const r of registries) {
    const raises = findRaises(sourcesFor(r, sources)).filter((x) => applies(r, x));
    raisedBy.set(r.name, raises);
  }
  for (const r of registries) {
    const raised = new Set((raisedBy.get(r.name) ?? []).map((x) => x.code));
    for (const code of r.codes) {
      const from = r.relayed?.[code];
      const relayedOk = from !== undefined && (raisedBy.get(from) ?? []).some((x) => x.code === code);
      if (!raised.has(code) && !relayedOk) problems.neverRaised.push(`${r.name}.${code}`);
    }
    for (const doc of r.docs) {
      const text = readDoc(doc);
      for (const code of r.codes)
        if (!text.includes(`\`${code}\``)) problems.undocumented.push(`${r.name}.${code} in ${doc}`);
    }
  }
  // Registry declarations are not raises: scan with every registry's declaration blanked.
  let scanned = sources;
  for (const r of registries) scanned = sourcesFor(r, scanned);
  for (const raise of findRaises(scanned)) {
    const known = registries.some((r) => applies(r, raise) && r.codes.includes(raise.code));
    if (!known) problems.unregistered.push(`${raise.file}:${raise.line} ${raise.code} (${raise.kind})`);
  }
  return problems;
}

const readDoc = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('error code registries', () => {
  const sources = readSources();
  const problems = check(REGISTRIES, sources, readDoc);

  it('scans the sources it should (sanity)', () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(sources.some((s) => s.file === 'estacion/src/hub/pump-session.ts')).toBe(true);
    expect(sources.some((s) => s.file.endsWith('.test.ts'))).toBe(false);
  });

  it('(a) every registered code is raised somewhere', () => {
    expect(problems.neverRaised).toEqual([]);
  });

  it('(b) every code the source raises is registered', () => {
    expect(problems.unregistered).toEqual([]);
  });

  it('(c) every registered code is documented', () => {
    expect(problems.undocumented).toEqual([]);
  });

  it('the checks can fail: a code nobody raises, a raise nobody registered, an undocumented code', () => {
    const dummy: Registry = {
      name: 'DUMMY',
      file: 'x/src/errors.ts',
      declaration: 'DUMMY',
      codes: ['CODIGO_USADO', 'CODIGO_FICTICIO'],
      kinds: ['api'],
      raisedIn: ['x/src'],
      docs: ['x.md'],
    };
    const fake: Source[] = [
      { file: 'x/src/errors.ts', text: 'export const DUMMY = { CODIGO_USADO: 1, CODIGO_FICTICIO: 2 } as const;\n' },
      {
        file: 'x/src/routes.ts',
        text: [
          "// new ApiError('CODIGO_FICTICIO' in a comment does not count",
          "throw new ApiError('CODIGO_USADO', 404, 'no');",
          'throw new ApiError(',
          "  'CODIGO_SIN_REGISTRO',",
          "  409, 'no');",
        ].join('\n'),
      },
    ];
    expect(check([dummy], fake, () => 'only `CODIGO_USADO` here')).toEqual({
      neverRaised: ['DUMMY.CODIGO_FICTICIO'],
      unregistered: ['x/src/routes.ts:4 CODIGO_SIN_REGISTRO (api)'],
      undocumented: ['DUMMY.CODIGO_FICTICIO in x.md'],
    });
    // And on the real registries: one more code in STATION_ERRORS is never raised nor documented.
    const withDummy = REGISTRIES.map((r) =>
      r.name === 'STATION_ERRORS' ? { ...r, codes: [...r.codes, 'CODIGO_FICTICIO'] } : r,
    );
    const found = check(withDummy, sources, readDoc);
    expect(found.neverRaised).toEqual(['STATION_ERRORS.CODIGO_FICTICIO']);
    expect(found.undocumented).toEqual([`STATION_ERRORS.CODIGO_FICTICIO in ${API_DOCS.estacion}`]);
  });
});
