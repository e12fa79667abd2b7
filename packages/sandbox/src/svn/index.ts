export * from './sql-file-seed.js';
export * from './svn-repository.js';
export * from './svn-simulator.js';
