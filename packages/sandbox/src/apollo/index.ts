export * from './apollo-error.js';
export * from './apollo-seed.js';
export * from './apollo-simulator.js';
