export { type CheckFilesOptions, checkFiles, type FileInput, readSchemaChanges } from './check-files.js';
export {
  checkReleaseSql,
  type ReleaseSqlInput,
  type ReleaseSqlItem,
  sqlItemLocation,
} from './check-release-sql.js';
export type { ColumnType } from './column-type.js';
export { type Finding, formatLocation, type Severity, sortFindings } from './finding.js';
export { formatText } from './format-text.js';
export {
  type HistoryMigration,
  HistoryMigrationError,
  type HistoryMigrationRequest,
  suggestHistoryMigration,
  suggestMissingHistoryMigrations,
} from './history-migration.js';
export { HistoryTableNaming } from './history-table.js';
export { checkedExtensions } from './input-kind.js';
export {
  defaultPolicyConfig,
  type PolicyConfig,
  PolicyConfigError,
  parsePolicyConfig,
  type RuleSetting,
  resolvePolicyConfig,
} from './policy-config.js';
export { findPolicyRule, type PolicyRule, policyRules } from './policy-rules.js';
export { type SarifOptions, toSarif } from './sarif.js';
export type { ChangeSource, SchemaChange, SchemaChangeKind } from './schema-change.js';
export type { SqlDialect } from './sql-changes.js';
export {
  compareVersions,
  isVersion,
  parseVersion,
  registryVersion,
  type Version,
  VersionFormatError,
} from './version.js';
