export * from './cmdb-client.js';
export * from './select-target.js';
