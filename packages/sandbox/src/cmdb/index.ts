export * from './cmdb-seed.js';
export * from './cmdb-simulator.js';
