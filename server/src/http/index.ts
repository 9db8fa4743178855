export * from './app.js';
export * from './errors.js';
export * from './sistema.js';
