// Lint: eslint + typescript-eslint. Services log through pino; console is for CLIs, tests and tools.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', 'tests/screenshots/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
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
    files: ['**/web/**', '**/public/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/cli.ts', '**/cli/**', '**/*.test.ts', 'tests/**', 'bench/**', 'scripts/**', '**/bin/**', '**/public/**'],
    rules: { 'no-console': 'off' },
  },
);
