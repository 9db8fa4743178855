import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,empresa,estacion,surtidor}/src/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores: keep the process-spawning suites from starving each other.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
