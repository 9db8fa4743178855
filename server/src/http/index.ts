export * from './app.js';
export * from './errors.js';
export * from './pagination.js';
export * from './sistema.js';
export * from './csv.js';
