export * from './jira-client.js';
export * from './jira-jql.js';
export * from './jira-status-path.js';
export * from './jira-types.js';
export * from './jira-workflow-error.js';
