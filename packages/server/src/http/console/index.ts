export * from './console-assets.js';
export * from './console-settings-route.js';
export * from './install-console.js';
export * from './person-wait-clock.js';
export * from './release-change-feed.js';
export * from './release-event-stream.js';
export * from './release-search.js';
