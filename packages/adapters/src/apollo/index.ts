export * from './apollo-client.js';
