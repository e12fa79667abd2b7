import { loadModule } from 'libpg-query';
import { applyRuleSettings } from './apply-config.js';
import { checkDatabaseChanges } from './database-rules.js';
import type { Finding } from './finding.js';
import { type PolicyConfig, resolvePolicyConfig } from './policy-config.js';
import type { SchemaChange } from './schema-change.js';
import { type SqlDialect, sqlChanges } from './sql-changes.js';
import { isVersion, registryVersion } from './version.js';
import { checkVersions } from './version-rules.js';

export interface ReleaseSqlItem {
  /** The request's `sql_id`. */
  id: string;
  /** The SQL file name (`svn_file`), for locations. */
  file: string;
  sql: string;
  dialect?: SqlDialect;
}

export interface ReleaseSqlInput {
  version: string | null;
  previousVersion: string | null;
  items: ReleaseSqlItem[];
  config?: Partial<PolicyConfig>;
}

/** Location of a SQL item in a release request: `sql_info[<sql_id>] <file>`. */
export function sqlItemLocation(item: Pick<ReleaseSqlItem, 'id' | 'file'>): string {
  return `sql_info[${item.id}] ${item.file}`;
}

/**
 * The gate before SQL reaches a database: the database rules over all SQL items of a release (one change),
 * plus DF-V001…DF-V003 where versions are known. Findings on the version point at the `version` field.
 */
export async function checkReleaseSql(input: ReleaseSqlInput): Promise<Finding[]> {
  const config = resolvePolicyConfig(input.config);
  await loadModule();
  const registry = input.version !== null && isVersion(input.version) ? registryVersion(input.version) : null;
  const changes: SchemaChange[] = input.items.flatMap((item) =>
    sqlChanges(item.sql, {
      file: sqlItemLocation(item),
      firstLine: 1,
      ...(item.dialect ? { dialect: item.dialect } : {}),
    }),
  );
  const database = checkDatabaseChanges(changes, { config, registry });
  const versions = checkVersions({
    version: input.version,
    previousVersion: input.previousVersion,
    field: 'version',
    dataModelChanges: database.dataModelChanges,
  });
  return applyRuleSettings([...database.findings, ...versions], config);
}
