import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against the sources of the protocol package, not its build.
    alias: {
      '@combustible/shared': fileURLToPath(new URL('./shared/src/index.ts', import.meta.url)),
      '@combustible/server/testing': fileURLToPath(new URL('./server/src/testing/index.ts', import.meta.url)),
      '@combustible/server': fileURLToPath(new URL('./server/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['{shared,server,empresa,estacion,surtidor,bench}/src/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores: keep the process-spawning suites from starving each other.
    maxWorkers: 2,
  },
});
