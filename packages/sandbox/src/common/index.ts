export * from './call-counters.js';
export * from './fault-injector.js';
export * from './late-answers.js';
export * from './request-log.js';
export * from './simulator-app.js';
export * from './simulator-base.js';
export * from './simulator-error.js';
export * from './simulator-state-error.js';
