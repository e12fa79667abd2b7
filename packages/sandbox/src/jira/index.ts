export * from './jira-seed.js';
export * from './jira-sim-error.js';
export * from './jira-simulator.js';
export type { JiraWebhookDelivery, JiraWebhookRegistration } from './jira-webhooks.js';
export * from './jira-workflow-definition.js';
