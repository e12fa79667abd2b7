/**
 * From a validated request to the `NormalizedRequest` the planner and the machine work on: project
 * mapping, the original release system's rules (each switchable), Archery routing, sequence and hashes.
 */
import { contentHash } from './content-hash.js';
import { InvalidRequestItemError, RoutingError, UnknownProjectError } from './release-errors.js';
import type { ReleaseRequest } from './release-request-schema.js';
import type { CodeItem, NormalizedRequest, SqlItem, SqlItemAwaitingText } from './release-types.js';

export interface NormalizeOptions {
  /** Release-system project → Jira project key. */
  projectMap: Record<string, string>;
  rules: {
    /** SQL files whose name contains 运营 (production operations) are dropped in UAT. */
    dropOperationalSqlInUat: boolean;
    /** Items whose svn_path ends in "prod" are skipped in UAT (SQL and code). */
    skipProdPathsInUat: boolean;
    /** A code item with svn_version "" is not deployed (planned as skipped); off: such an item is an error. */
    emptySvnVersionMeansNoDeploy: boolean;
    /** A code item with tag "" deploys to the "V1" target. */
    emptyTagMeansV1: boolean;
  };
  routing: {
    /** Derive instance/db/group from svn_path when the item does not give them (the original's rule). */
    instanceFromPath: boolean;
  };
  /**
   * The configured SQL source (`svn`, `gitlab`): a SQL item without `sql_content` has its text read from
   * it at `svn_path/svn_file@svn_version` (the original release system never sends `sql_content`).
   * Absent or null: there is no SQL source and `sql_content` is required.
   */
  sqlSource?: string | null;
}

export const defaultNormalizeOptions: NormalizeOptions = {
  projectMap: {
    A22: 'AC',
    QC: 'QC',
    A18: 'AC',
    A19: 'AC',
    RS8: 'AC',
    B01: 'AC',
    TCBS: 'AC',
    ISLOT: 'AC',
  },
  rules: {
    dropOperationalSqlInUat: true,
    skipProdPathsInUat: true,
    emptySvnVersionMeansNoDeploy: true,
    emptyTagMeansV1: true,
  },
  routing: { instanceFromPath: true },
};

function endsInProd(svnPath: string): boolean {
  return /prod\/*$/i.test(svnPath);
}

/** The original's rule: "database_acc/db_a18/acc" → instance "acc", group "A18", db_name "acc". */
function routeFromPath(svnPath: string): { instance: string; dbName: string; group: string } | null {
  const segments = svnPath.split('/').filter((s) => s.length > 0);
  if (segments.length < 2) return null;
  const instance = segments[segments.length - 1]!;
  const parent = segments[segments.length - 2]!;
  const underscore = parent.lastIndexOf('_');
  if (underscore < 0 || underscore === parent.length - 1) return null;
  return { instance, dbName: instance, group: parent.slice(underscore + 1).toUpperCase() };
}

export function normalizeReleaseRequest(
  request: ReleaseRequest,
  options: NormalizeOptions = defaultNormalizeOptions,
): NormalizedRequest {
  const jiraProject = options.projectMap[request.project];
  if (jiraProject === undefined) {
    throw new UnknownProjectError(request.project, Object.keys(options.projectMap));
  }
  const uat = request.env === 'UAT';
  const dropped: NormalizedRequest['dropped'] = [];

  const sql: SqlItem[] = [];
  const awaitingText: SqlItemAwaitingText[] = [];
  request.sql_info.forEach((item, index) => {
    if (uat && options.rules.dropOperationalSqlInUat && item.svn_file.includes('运营')) {
      dropped.push({ section: 'sql', id: item.sql_id, rule: 'dropOperationalSqlInUat' });
      return;
    }
    if (uat && options.rules.skipProdPathsInUat && endsInProd(item.svn_path)) {
      dropped.push({ section: 'sql', id: item.sql_id, rule: 'skipProdPathsInUat' });
      return;
    }
    let route: { instance: string; dbName: string; group: string } | null = null;
    if (item.instance && item.db_name && item.group) {
      route = { instance: item.instance, dbName: item.db_name, group: item.group };
    } else if (options.routing.instanceFromPath) {
      const derived = routeFromPath(item.svn_path);
      if (derived) {
        route = {
          instance: item.instance || derived.instance,
          dbName: item.db_name || item.instance || derived.dbName,
          group: item.group || derived.group,
        };
      }
    }
    // An item already in UAT is not run there: it needs no Archery route (the original did not route it).
    if (!route && uat && item.has_deploy_uat === true) route = { instance: '', dbName: '', group: '' };
    if (!route) {
      throw new RoutingError(
        item.sql_id,
        options.routing.instanceFromPath
          ? `svn_path "${item.svn_path}" does not end in "<prefix>_<group>/<instance>"`
          : 'instance, db_name and group are missing and routing from svn_path is off',
      );
    }
    const base: SqlItemAwaitingText = {
      sqlId: item.sql_id,
      seq: sql.length + awaitingText.length + 1,
      svnPath: item.svn_path,
      svnFile: item.svn_file,
      svnVersion: item.svn_version,
      ...route,
      ...(item.has_deploy_uat === true ? { deployedToUat: true } : {}),
    };
    if (item.sql_content !== undefined) {
      sql.push({ ...base, sql: item.sql_content, hash: contentHash(item.sql_content) });
    } else if (uat && item.has_deploy_uat === true) {
      // Already in UAT: skipped there, so its text is not needed (the original did not read it either).
      sql.push({ ...base, sql: '', hash: '' });
    } else if (options.sqlSource) {
      awaitingText.push(base);
    } else {
      throw new InvalidRequestItemError(
        `/sql_info/${index}/sql_content`,
        'is required: no SQL source is configured to read the file at svn_path/svn_file@svn_version. ' +
          'Send sql_content, or configure a SQL source (SVN_BASE_URL, SVN_USER and SVN_PASSWORD; or ' +
          'GITLAB_BASE_URL and GITLAB_TOKEN with sqlSource.gitlab.projects in the CDFLOW_CONFIG file)',
      );
    }
  });

  const code: CodeItem[] = [];
  request.code_info.forEach((item, index) => {
    if (uat && options.rules.skipProdPathsInUat && endsInProd(item.svn_path)) {
      dropped.push({ section: 'code', id: item.svn_path, rule: 'skipProdPathsInUat' });
      return;
    }
    if (item.svn_version === '' && !options.rules.emptySvnVersionMeansNoDeploy) {
      throw new InvalidRequestItemError(
        `/code_info/${index}/svn_version`,
        'is empty and the rule "empty svn_version means no deploy" is off: give the version to deploy',
      );
    }
    const tag = item.tag ?? '';
    code.push({
      service: item.svn_path,
      svnPath: item.svn_path,
      svnVersion: item.svn_version,
      tag: tag === '' && options.rules.emptyTagMeansV1 ? 'V1' : tag,
    });
  });

  return {
    project: request.project,
    jiraProject,
    summary: request.summary,
    env: request.env,
    issueType: request.issue_type ?? '升级',
    upgradeType: request.upgrade_type ?? '',
    functionList: request.function_list ?? [],
    version: request.version ?? null,
    sql,
    ...(awaitingText.length > 0 ? { sqlAwaitingText: awaitingText } : {}),
    apollo: request.apollo_info.map((item) => ({
      appId: item.app_id,
      namespace: item.namespace,
      key: item.key,
      value: item.value,
      cluster: item.cluster || 'default',
      ...(item.has_deploy_uat === true ? { deployedToUat: true } : {}),
    })),
    config: request.config_info.map((item) => ({
      name: item.name,
      content: item.content,
      hash: contentHash(item.content),
      ...(item.has_deploy_uat === true ? { deployedToUat: true } : {}),
    })),
    code,
    dropped,
  };
}
