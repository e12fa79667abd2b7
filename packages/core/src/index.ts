export * from './decision-types.js';
export * from './jira-workflow.js';
export * from './ports.js';
export * from './release-effects.js';
export * from './release-events.js';
export * from './release-types.js';
