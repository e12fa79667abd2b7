export * from './notification-channels.js';
export * from './notification-outbox.js';
export * from './notification-planner.js';
export * from './notification-worker.js';
export * from './release-notifications.js';
export * from './release-notifier.js';
export * from './stuck-sweep.js';
