import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SURTIDOR_ERRORS } from './errors.js';

describe('error registry', () => {
  it('documents every code in surtidor/README.md', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of Object.keys(SURTIDOR_ERRORS)) expect(readme, code).toContain(`\`${code}\``);
  });
});
