/**
 * Production's configuration: its own upstreams (`environments.PRO` in the CDFLOW_CONFIG file, or
 * `PRO_`-prefixed environment variables over it; secrets only as variables), how its releases run
 * (`prod`: approval steps, change windows, the production workflow's Jira names) and the SQL file-name
 * filters of each environment (`environments.<ENV>.dropSqlFilesContaining`).
 */
import {
  changeWindowProblem,
  defaultProdSettings,
  defaultSqlFileFilters,
  type JiraWorkflowNames,
  type ProdSettings,
  type SqlFileFilters,
} from '@cdflow/core';
import type { ConfigFile } from './config-file-schema.js';
import { type CmdbDialect, cmdbDialects, type EnvironmentUpstreams } from './server-config.js';

type Get = (name: string) => string | undefined;
type ReadUrl = (raw: string, name: string) => string;

/** Every production variable cdflow reads (one of them set means production is meant to be configured). */
export const prodVariableNames = [
  'PRO_ARCHERY_BASE_URL',
  'PRO_ARCHERY_USER',
  'PRO_ARCHERY_PASSWORD',
  'PRO_ARCHERY_UI_URL',
  'PRO_CMDB_DIALECT',
  'PRO_CMDB_BASE_URL',
  'PRO_CMDB_SEARCH_URL',
  'PRO_CMDB_UPGRADE_URL',
  'PRO_CMDB_TOKEN',
  'PRO_APOLLO_BASE_URL',
  'PRO_APOLLO_TOKEN',
] as const;

/**
 * Production's upstreams, or null when none is configured (neither a `PRO_` variable nor
 * `environments.PRO.archery/cmdb/apollo`). Half a configuration is a problem naming what is missing:
 * production is never half sent to the UAT upstreams.
 */
export function readProdUpstreams(
  get: Get,
  file: ConfigFile,
  uat: { isBackup: boolean; dialect: CmdbDialect },
  readUrl: ReadUrl,
  problems: string[],
): EnvironmentUpstreams | null {
  const pro = file.environments?.PRO;
  const given =
    prodVariableNames.some((n) => get(n) !== undefined) ||
    pro?.archery !== undefined ||
    pro?.cmdb !== undefined ||
    pro?.apollo !== undefined;
  if (!given) return null;
  const where = (variable: string, key: string) => `${variable} (or CDFLOW_CONFIG environments.PRO.${key})`;
  const need = (value: string | undefined, what: string, label: string): string => {
    if (value === undefined) problems.push(`${label}: required for production (${what})`);
    return value ?? '';
  };
  const url = (value: string | undefined, name: string, what: string, label: string) =>
    value === undefined ? need(value, what, label) : readUrl(value, name);

  const archeryBase = url(
    get('PRO_ARCHERY_BASE_URL') ?? pro?.archery?.baseUrl,
    'PRO_ARCHERY_BASE_URL',
    "production Archery's base URL",
    where('PRO_ARCHERY_BASE_URL', 'archery.baseUrl'),
  );
  const ui = get('PRO_ARCHERY_UI_URL') ?? pro?.archery?.uiUrl;
  const archery = {
    baseUrl: archeryBase,
    user: need(
      get('PRO_ARCHERY_USER') ?? pro?.archery?.user,
      "production Archery's service user",
      where('PRO_ARCHERY_USER', 'archery.user'),
    ),
    password: need(get('PRO_ARCHERY_PASSWORD'), "that user's password", 'PRO_ARCHERY_PASSWORD'),
    uiUrl: ui === undefined ? archeryBase : readUrl(ui, 'PRO_ARCHERY_UI_URL'),
    isBackup: pro?.archery?.isBackup ?? uat.isBackup,
  };

  const dialectRaw = get('PRO_CMDB_DIALECT') ?? pro?.cmdb?.dialect ?? uat.dialect;
  let dialect: CmdbDialect = uat.dialect;
  if ((cmdbDialects as readonly string[]).includes(dialectRaw)) dialect = dialectRaw as CmdbDialect;
  else
    problems.push(
      `PRO_CMDB_DIALECT: expected ${cmdbDialects.join(' or ')}, got ${JSON.stringify(dialectRaw)}`,
    );
  const cmdbUrl = (variable: string, key: 'baseUrl' | 'searchUrl' | 'upgradeUrl', own: boolean) => {
    const value = get(variable) ?? pro?.cmdb?.[key];
    if (!own) return value === undefined ? '' : readUrl(value, variable);
    return url(value, variable, `production CMDB (dialect ${dialect})`, where(variable, `cmdb.${key}`));
  };
  const tasks = dialect === 'tasks';
  const upgradeUrl = cmdbUrl('PRO_CMDB_UPGRADE_URL', 'upgradeUrl', !tasks);
  // The project id is appended to the upgrade URL (as the original did): keep its trailing "/" or "=".
  const rawUpgrade = get('PRO_CMDB_UPGRADE_URL') ?? pro?.cmdb?.upgradeUrl;
  const cmdb = {
    dialect,
    baseUrl: cmdbUrl('PRO_CMDB_BASE_URL', 'baseUrl', tasks),
    searchUrl: cmdbUrl('PRO_CMDB_SEARCH_URL', 'searchUrl', !tasks),
    upgradeUrl: upgradeUrl !== '' && rawUpgrade !== undefined ? rawUpgrade : upgradeUrl,
    token: need(get('PRO_CMDB_TOKEN'), 'the production CMDB API token', 'PRO_CMDB_TOKEN'),
  };

  const apolloUrl = get('PRO_APOLLO_BASE_URL') ?? pro?.apollo?.baseUrl;
  const apolloToken = get('PRO_APOLLO_TOKEN');
  let apollo: EnvironmentUpstreams['apollo'] = null;
  if (apolloUrl !== undefined && apolloToken !== undefined) {
    apollo = { baseUrl: readUrl(apolloUrl, 'PRO_APOLLO_BASE_URL'), token: apolloToken };
  } else if (apolloUrl !== undefined) {
    problems.push('PRO_APOLLO_TOKEN: required when the production Apollo URL is set (its Open API token)');
  } else if (apolloToken !== undefined) {
    problems.push(
      'PRO_APOLLO_BASE_URL: required when PRO_APOLLO_TOKEN is set (the production Apollo portal URL)',
    );
  }
  return { archery, cmdb, apollo };
}

/** The SQL file-name filters of each environment (the original's marks by default). */
export function sqlFileFiltersOf(file: ConfigFile): SqlFileFilters {
  return {
    UAT: file.environments?.UAT?.dropSqlFilesContaining ?? defaultSqlFileFilters.UAT,
    PRO: file.environments?.PRO?.dropSqlFilesContaining ?? defaultSqlFileFilters.PRO,
  };
}

/** How production releases run, from `prod` over the defaults (DBA → SA → team lead, weekday evenings). */
export function resolveProdSettings(
  file: ConfigFile,
  names: JiraWorkflowNames,
  problems: string[],
): ProdSettings {
  const defaults = defaultProdSettings(names);
  const given = file.prod;
  const approvals =
    given?.approvals?.map((step) => ({
      key: step.key,
      label: step.label ?? `the ${step.key} approver`,
      group: step.group,
      status: step.status,
      transition: step.transition,
      returnTransition: step.returnTransition,
      approvesDifferences: step.approvesDifferences ?? false,
    })) ?? defaults.approvals;
  if (given?.approvals) {
    // Without a step that says so, the last step approves the differences from UAT.
    const last = approvals[approvals.length - 1];
    if (last && !approvals.some((s) => s.approvesDifferences)) last.approvesDifferences = true;
    const keys = new Set<string>();
    const statuses = new Set<string>();
    approvals.forEach((step, i) => {
      if (keys.has(step.key))
        problems.push(`CDFLOW_CONFIG prod.approvals.${i}.key: "${step.key}" names two steps`);
      if (statuses.has(step.status))
        problems.push(
          `CDFLOW_CONFIG prod.approvals.${i}.status: "${step.status}" is the status of two steps`,
        );
      keys.add(step.key);
      statuses.add(step.status);
    });
  }
  const changeWindows =
    given?.changeWindows?.map((w) => ({
      cron: w.cron,
      durationMinutes: w.durationMinutes,
      timeZone: w.timeZone ?? 'Asia/Shanghai',
    })) ?? defaults.changeWindows;
  changeWindows.forEach((w, i) => {
    const problem = changeWindowProblem(w);
    if (problem !== null) problems.push(`CDFLOW_CONFIG prod.changeWindows.${i}: ${problem}`);
  });
  return {
    approvals,
    publisherMayApprove: given?.publisherMayApprove ?? defaults.publisherMayApprove,
    changeWindows,
    jira: {
      ...defaults.jira,
      issueType: given?.issueType ?? defaults.jira.issueType,
      rejectedStatus: given?.statuses?.rejected ?? defaults.jira.rejectedStatus,
      completeStatus: given?.statuses?.complete ?? defaults.jira.completeStatus,
      rejectTransition: given?.transitions?.reject ?? defaults.jira.rejectTransition,
      resubmitIterationTransition:
        given?.transitions?.resubmitIteration ?? defaults.jira.resubmitIterationTransition,
    },
  };
}
