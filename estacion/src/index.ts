export * from './app/events.js';
export * from './app/station-service.js';
export * from './config.js';
export * from './domain/types.js';
export * from './errors.js';
export * from './hub/pump-hub.js';
export * from './station.js';
export * from './store/port.js';
