// Lint: eslint + typescript-eslint, with type information for the TypeScript files (the JS files, a
// few scripts and bins, are linted without it). Services log through pino; console is for CLIs,
// tests and tools.
// `npm run lint` caches results per file (node_modules/.cache/eslint/). The cache knows a file's own
// content, not the types it imports: after changing a type other files use, run `npx eslint .` for a
// full pass (CI starts from a clean clone, so it always makes one).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', 'tests/screenshots/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-console': ['error', { allow: ['warn', 'error'] }],
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        // Package tsconfigs exclude tests; tsconfig.tests.json includes them (and what they import).
        // Imports of other workspaces resolve to their dist/*.d.ts: lint after `npm run build`.
        project: ['./tsconfig.tests.json', './*/tsconfig.json', './*/web/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Off on purpose: here `async` states a contract, it is not a missing `await`. Store ports are
      // async (the SQLite adapters answer synchronously, the Mongo ones do not), Fastify plugins
      // (FastifyPluginAsync) and handlers are async, and so are the test fakes of async interfaces.
      // `async` also turns a synchronous throw (a SQLite error, say) into a rejection, which callers
      // rely on; `Promise.resolve(expr)` instead would throw. Of ~100 reports none was a bug, and the
      // rules that catch real promise bugs (no-floating-promises, no-misused-promises) stay on.
      '@typescript-eslint/require-await': 'off',
      // As only-throw-error allows `throw err` in a catch: passing on a caught value (typed unknown)
      // with Promise.reject(err) is fine; rejecting with a literal, an `any` or a non-Error type is not.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    // Vitest types its asymmetric matchers (expect.any, expect.stringContaining...) as returning
    // `any`, so every `{ campo: expect.any(String) }` is reported. Off in test files only; the other
    // no-unsafe-* rules still report an `any` that is used (called, indexed, passed on, returned).
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Last, so that nothing above turns a type-aware rule back on for them.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/web/**', '**/public/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: [
      '**/cli.ts',
      '**/cli/**',
      '**/*.test.ts',
      'tests/**',
      'bench/**',
      'scripts/**',
      '**/bin/**',
      '**/public/**',
    ],
    rules: { 'no-console': 'off' },
  },
);
