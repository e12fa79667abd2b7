export * from './cmdb-deploy-slots.js';
export * from './effect-errors.js';
export * from './effect-handler.js';
export * from './effect-handlers.js';
export * from './environment-upstreams.js';
export * from './runtime-ports.js';
