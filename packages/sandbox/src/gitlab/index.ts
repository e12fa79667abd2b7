export * from './gitlab-project.js';
export * from './gitlab-seed.js';
export * from './gitlab-simulator.js';
