export * from './delivery-repository.js';
export * from './open-store.js';
export * from './release-repository.js';
export * from './schema.js';
export * from './store-stats.js';
export { StoredRequestMissingError } from './stored-request.js';
