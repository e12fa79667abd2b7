export * from './apollo/index.js';
export * from './archery/index.js';
export * from './chat/index.js';
export * from './cmdb/index.js';
export * from './http/index.js';
export * from './jira/index.js';
export * from './mail/index.js';
export * from './sql-source/index.js';
