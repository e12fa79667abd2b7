export * from './http-client.js';
export * from './upstream-error.js';
