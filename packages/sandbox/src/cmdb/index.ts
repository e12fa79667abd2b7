export { jiracdflowSearchPath, jiracdflowUpgradePath } from './cmdb-jiracdflow-routes.js';
export * from './cmdb-seed.js';
export * from './cmdb-simulator.js';
