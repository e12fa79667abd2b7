export * from './jira-messages.js';
export * from './jira-prod-workflow.js';
export * from './jira-seed.js';
export * from './jira-sim-error.js';
export * from './jira-simulator.js';
export type { JiraSimulatorState } from './jira-state-file.js';
export type { JiraWebhookDelivery, JiraWebhookRegistration } from './jira-webhooks.js';
export * from './jira-workflow-definition.js';
