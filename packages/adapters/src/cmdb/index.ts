export * from './cmdb-client.js';
export * from './jiracdflow-cmdb-client.js';
export * from './jiracdflow-project-match.js';
export * from './select-target.js';
