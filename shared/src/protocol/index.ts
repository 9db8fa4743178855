export * from './common.js';
export * from './link1.js';
export * from './link2.js';
export * from './parse.js';
export * from './sale-limits.js';
export * from './prices-rule.js';
export * from './gauges.js';
export * from './reports.js';
