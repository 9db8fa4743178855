/** Safe by default: protected mode, secret comparison, allowed origins and destinations. */
export * from './exposure.js';
export * from './log-throttle.js';
export * from './networks.js';
export * from './origin.js';
export * from './secrets.js';
