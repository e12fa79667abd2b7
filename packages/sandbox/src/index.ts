export * from './apollo/index.js';
export * from './archery/index.js';
export * from './cmdb/index.js';
export * from './common/index.js';
export * from './gitlab/index.js';
export * from './jira/index.js';
export * from './start-sandbox.js';
export * from './svn/index.js';
