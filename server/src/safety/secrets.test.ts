import { describe, expect, it } from 'vitest';
import { secretsEqual } from './secrets.js';

describe('secretsEqual', () => {
  it('is true only for the same secret', () => {
    expect(secretsEqual('s3creto', 's3creto')).toBe(true);
    expect(secretsEqual('s3creto', 's3cretO')).toBe(false);
    expect(secretsEqual('s3cret', 's3creto')).toBe(false);
    expect(secretsEqual('s3creto-mas-largo', 's3creto')).toBe(false);
    expect(secretsEqual('ñandú', 'ñandú')).toBe(true);
  });

  it('never matches a missing or empty secret', () => {
    expect(secretsEqual(undefined, 'x')).toBe(false);
    expect(secretsEqual('x', undefined)).toBe(false);
    expect(secretsEqual(null, null)).toBe(false);
    expect(secretsEqual('', '')).toBe(false);
  });
});
