export * from './call-counters.js';
export * from './fault-injector.js';
export * from './simulator-app.js';
