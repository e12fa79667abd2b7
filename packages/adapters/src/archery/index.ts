export * from './archery-client.js';
export * from './archery-input-error.js';
export * from './archery-status.js';
export type * from './archery-wire.js';
export * from './naive-local-datetime.js';
