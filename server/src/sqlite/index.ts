export * from './open.js';
export * from './sqlite-store-base.js';
