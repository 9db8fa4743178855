export * from './group-commit.js';
export * from './lenient.js';
