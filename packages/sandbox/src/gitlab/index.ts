export * from './gitlab-project.js';
export * from './gitlab-seed.js';
export type { GitLabSimState } from './gitlab-sim-state.js';
export * from './gitlab-simulator.js';
