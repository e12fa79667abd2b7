export { jiracdflowSearchPath, jiracdflowUpgradePath } from './cmdb-jiracdflow-routes.js';
export * from './cmdb-seed.js';
export type { CmdbSimState } from './cmdb-sim-state.js';
export * from './cmdb-simulator.js';
