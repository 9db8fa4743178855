export * from './mongo-store-base.js';
