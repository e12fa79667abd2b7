export * from './gitlab-sql-source.js';
export { sqlFileLabel } from './sql-file-ref.js';
export * from './svn-sql-source.js';
