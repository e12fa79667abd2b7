/**
 * From a validated request to the `NormalizedRequest` the planner and the machine work on: project
 * mapping, the original release system's rules (each switchable), Archery routing, sequence and hashes.
 */
import { contentHash } from './content-hash.js';
import { defaultSqlFileFilters, type SqlFileFilters, sqlFileMark } from './prod-release.js';
import { InvalidRequestItemError, RoutingError, UnknownProjectError } from './release-errors.js';
import type { ReleaseRequest } from './release-request-schema.js';
import type { CodeItem, NormalizedRequest, SqlItem, SqlItemAwaitingText } from './release-types.js';

/** Where a routing map sends the SQL of one path segment. */
export interface RoutingMapEntry {
  instance: string;
  /** The database, when the map fixes it; otherwise cdflow reads it from Archery. */
  dbName?: string;
  /** Overrides the map's group for this entry. */
  group?: string;
}

/**
 * How a project's SQL items find their Archery instance and resource group (and database):
 * - `path`: the original's rule: instance = the svn_path's last segment, group = the upper-cased suffix
 *   after the last "_" of the segment before ("database_acc/db_a18/acc" → instance "acc", group "A18");
 * - `map`: a fixed map from the svn_path's last segment to an instance, all in `group` (the original's QC
 *   map, `jiracdflowQcRouting`);
 * - `none`: every item names its instance and group itself.
 * An item's own `instance`, `db_name` and `group` always win over the rule.
 */
export type RoutingRule =
  | { rule: 'path' }
  | { rule: 'map'; group: string; instances: Record<string, RoutingMapEntry> }
  | { rule: 'none' };

/**
 * The original program's fixed map for QC (`utils/cicdflow_util.py`, `get_sql_commit_data`): the last
 * segment of the svn_path names the instance, every one in resource group QC. Not a default: a site
 * turns it on for its QC project (`normalize.routing.projects.QC: jiracdflow-qc`).
 */
export const jiracdflowQcRouting: Extract<RoutingRule, { rule: 'map' }> = {
  rule: 'map',
  group: 'QC',
  instances: {
    rex_merchant_qc: { instance: 'qc-merchant' },
    rex_admin: { instance: 'qc-admin' },
    rex_rpt: { instance: 'qc-report' },
    rex_merchant_b01: { instance: 'b01-merchant' },
    rex_merchant_rs8: { instance: 'rs8-merchant' },
    rex_merchant_fpb: { instance: 'fpb-merchant' },
    rex_merchant_psl: { instance: 'psl-merchant' },
  },
};

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
    /** The rule of projects without their own: the path rule when true, `none` when false. */
    instanceFromPath: boolean;
    /** A rule per release-system project (the request's `project`); absent projects use the default. */
    projects?: Record<string, RoutingRule>;
  };
  /**
   * The configured SQL source (`svn`, `gitlab`): a SQL item without `sql_content` has its text read from
   * it at `svn_path/svn_file@svn_version` (the original release system never sends `sql_content`).
   * Absent or null: there is no SQL source and `sql_content` is required.
   */
  sqlSource?: string | null;
  /**
   * File-name marks per environment: a SQL file whose name contains one of them is not run there (the
   * original's `ONLYPROD` in UAT, `ONLYUAT` in production). Absent: `defaultSqlFileFilters`.
   */
  sqlFileFilters?: SqlFileFilters;
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

/** The routing rule of `project` under `options`. */
export function routingRuleFor(project: string, options: NormalizeOptions['routing']): RoutingRule {
  return options.projects?.[project] ?? (options.instanceFromPath ? { rule: 'path' } : { rule: 'none' });
}

function endsInProd(svnPath: string): boolean {
  return /prod\/*$/i.test(svnPath);
}

interface Route {
  instance: string;
  dbName: string;
  group: string;
}

function segmentsOf(svnPath: string): string[] {
  return svnPath.split('/').filter((s) => s.length > 0);
}

/** The original's rule: "database_acc/db_a18/acc" → instance "acc", group "A18" (the database from Archery). */
function routeFromPath(svnPath: string): Partial<Route> | string {
  const segments = segmentsOf(svnPath);
  if (segments.length < 2) return `svn_path "${svnPath}" does not end in "<prefix>_<group>/<instance>"`;
  const instance = segments[segments.length - 1]!;
  const parent = segments[segments.length - 2]!;
  const underscore = parent.lastIndexOf('_');
  if (underscore < 0 || underscore === parent.length - 1) {
    return `svn_path "${svnPath}" does not end in "<prefix>_<group>/<instance>"`;
  }
  return { instance, group: parent.slice(underscore + 1).toUpperCase() };
}

/** A fixed map: the svn_path's last segment names the instance. */
function routeFromMap(svnPath: string, rule: Extract<RoutingRule, { rule: 'map' }>): Partial<Route> | string {
  const last = segmentsOf(svnPath).at(-1) ?? '';
  const entry = rule.instances[last];
  if (!entry) {
    return `the routing map has no instance for "${last}" (the last segment of svn_path "${svnPath}"; known: ${Object.keys(rule.instances).join(', ') || 'none'})`;
  }
  return {
    instance: entry.instance,
    group: entry.group ?? rule.group,
    ...(entry.dbName ? { dbName: entry.dbName } : {}),
  };
}

/** The item's route: the rule's, overridden field by field by what the item names itself. */
function routeOf(
  item: { svn_path: string; instance?: string; db_name?: string; group?: string },
  rule: RoutingRule,
): Route | string {
  const derived =
    rule.rule === 'path'
      ? routeFromPath(item.svn_path)
      : rule.rule === 'map'
        ? routeFromMap(item.svn_path, rule)
        : 'instance and group are missing and the project has no routing rule';
  const base = typeof derived === 'string' ? {} : derived;
  const instance = item.instance || base.instance;
  const group = item.group || base.group;
  if (!instance || !group) return typeof derived === 'string' ? derived : 'instance or group is missing';
  return { instance, group, dbName: item.db_name || base.dbName || '' };
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
  const rule = routingRuleFor(request.project, options.routing);
  const dropped: NormalizedRequest['dropped'] = [];

  const sql: SqlItem[] = [];
  const awaitingText: SqlItemAwaitingText[] = [];
  const filters = options.sqlFileFilters ?? defaultSqlFileFilters;
  const operational = (file: string) => options.rules.dropOperationalSqlInUat && file.includes('运营');
  /** The item as production runs it, kept with its drop so a promotion puts it back (when it routes). */
  const forProduction = (item: (typeof request.sql_info)[number], seq: number) => {
    const route = routeOf(item, rule);
    if (typeof route === 'string') return {};
    const base: SqlItemAwaitingText = {
      sqlId: item.sql_id,
      seq,
      svnPath: item.svn_path,
      svnFile: item.svn_file,
      svnVersion: item.svn_version,
      ...route,
      prodOnly: true,
    };
    return {
      sqlItem:
        item.sql_content === undefined
          ? base
          : { ...base, sql: item.sql_content, hash: contentHash(item.sql_content) },
    };
  };
  request.sql_info.forEach((item, index) => {
    const keptBefore = sql.length + awaitingText.length;
    const dropFromUat = (rule: string) => {
      dropped.push({
        section: 'sql',
        id: item.sql_id,
        rule,
        keptBefore,
        ...forProduction(item, keptBefore + 1),
      });
    };
    if (uat && operational(item.svn_file)) {
      dropFromUat('dropOperationalSqlInUat');
      return;
    }
    const uatMark = sqlFileMark(item.svn_file, filters, 'UAT');
    if (uat && uatMark !== null) {
      dropFromUat(`sqlFileFilters.UAT (${uatMark})`);
      return;
    }
    const prodMark = sqlFileMark(item.svn_file, filters, 'PRO');
    if (!uat && prodMark !== null) {
      dropped.push({ section: 'sql', id: item.sql_id, rule: `sqlFileFilters.PRO (${prodMark})` });
      return;
    }
    if (uat && options.rules.skipProdPathsInUat && endsInProd(item.svn_path)) {
      dropFromUat('skipProdPathsInUat');
      return;
    }
    // In production, an item UAT would have dropped is production-only: it is no difference from UAT.
    const prodOnly =
      !uat &&
      (operational(item.svn_file) ||
        uatMark !== null ||
        (options.rules.skipProdPathsInUat && endsInProd(item.svn_path)));
    let route = routeOf(item, rule);
    // An item already in UAT is not run there: it needs no Archery route (the original did not route it).
    if (typeof route === 'string' && uat && item.has_deploy_uat === true) {
      route = { instance: '', dbName: '', group: '' };
    }
    if (typeof route === 'string') throw new RoutingError(item.sql_id, route);
    const base: SqlItemAwaitingText = {
      sqlId: item.sql_id,
      seq: keptBefore + 1,
      svnPath: item.svn_path,
      svnFile: item.svn_file,
      svnVersion: item.svn_version,
      ...route,
      ...(item.has_deploy_uat === true ? { deployedToUat: true } : {}),
      ...(prodOnly ? { prodOnly: true } : {}),
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
    const tagOf = (t: string) => (t === '' && options.rules.emptyTagMeansV1 ? 'V1' : t);
    const prodPath = options.rules.skipProdPathsInUat && endsInProd(item.svn_path);
    if (uat && prodPath) {
      // Kept with its drop: a promotion to production deploys it.
      const codeItem: CodeItem = {
        service: item.svn_path,
        svnPath: item.svn_path,
        svnVersion: item.svn_version,
        tag: tagOf(item.tag ?? ''),
        prodOnly: true,
      };
      dropped.push({ section: 'code', id: item.svn_path, rule: 'skipProdPathsInUat', codeItem });
      return;
    }
    if (item.svn_version === '' && !options.rules.emptySvnVersionMeansNoDeploy) {
      throw new InvalidRequestItemError(
        `/code_info/${index}/svn_version`,
        'is empty and the rule "empty svn_version means no deploy" is off: give the version to deploy',
      );
    }
    code.push({
      service: item.svn_path,
      svnPath: item.svn_path,
      svnVersion: item.svn_version,
      tag: tagOf(item.tag ?? ''),
      ...(prodPath ? { prodOnly: true } : {}),
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
