export * from './config/config-error.js';
export * from './config/load-config.js';
export * from './config/server-config.js';
export * from './http/api-error.js';
export * from './http/app.js';
export * from './http/create-logger.js';
export * from './http/jira-delivery.js';
export * from './http/route-context.js';
export * from './http/token-auth.js';
export * from './http/webhook-signature.js';
export * from './inspect/index.js';
export * from './metrics/index.js';
export * from './notifications/index.js';
export { createSqlSource } from './runtime/create-sql-source.js';
export { releaseIdFor } from './runtime/release-id.js';
export { releaseSettings } from './runtime/release-settings.js';
export * from './runtime/runtime-api.js';
export * from './sandbox-mode.js';
export * from './start-server.js';
export { openReleaseStore, type ReleaseStoreOptions } from './store/open-release-store.js';
export { openStore, type Store, StoreOpenError } from './store/open-store.js';
export { PgStoreOpenError, type PgStoreOptions } from './store/pg/open-pg-store.js';
export { ReleaseRepository, RevisionConflictError } from './store/release-repository.js';
export {
  type ClaimedEffect,
  type ClaimedTimer,
  type DeliveryStore,
  LeaseLostError,
  type NotificationStore,
  type ReleaseStore,
  type StoreDialect,
} from './store/release-store.js';
export { SqliteReleaseStore } from './store/sqlite-release-store.js';
export { parseStoreLocation, StoreUrlError } from './store/store-location.js';
