export * from './sql-file-seed.js';
export * from './svn-repository.js';
export type { SvnSimState } from './svn-sim-state.js';
export * from './svn-simulator.js';
