export * from './auth-contract.js';
export * from './store-suites.js';
export * from './access-matrix.js';
