export * from './apollo-port.js';
export * from './archery-port.js';
export * from './cmdb-port.js';
export * from './jira-port.js';
export * from './notification-port.js';
export * from './sql-source-port.js';
