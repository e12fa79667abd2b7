/**
 * Reads the server's configuration from environment variables and the optional CDFLOW_CONFIG file
 * (JSON or YAML), validates all of it at once, and either returns a `ServerConfig` or throws one
 * `ConfigError` naming every bad setting. Secret values never appear in a message.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  defaultJiraWorkflowNames,
  defaultNormalizeOptions,
  type JiraWorkflowNames,
  jiracdflowQcRouting,
  jiraTransitionKeys,
  type NormalizeOptions,
  type RoutingRule,
  releaseStates,
  type SqlMode,
} from '@cdflow/core';
import { defaultPolicyConfig, PolicyConfigError, resolvePolicyConfig } from '@cdflow/policy';
import { Compile } from 'typebox/compile';
import { parse as parseYaml } from 'yaml';
import { parseStoreLocation } from '../store/store-location.js';
import { ConfigError } from './config-error.js';
import { type ConfigFile, configFileSchema } from './config-file-schema.js';
import { resolveNotificationSettings } from './notification-settings.js';
import { resolveInspectUrl, resolveMetricsSettings } from './observability-settings.js';
import { resolveConsoleSettings, resolvePeopleSettings } from './people-settings.js';
import { readProdUpstreams, resolveProdSettings, sqlFileFiltersOf } from './prod-settings.js';
import {
  type CmdbDialect,
  cmdbDialects,
  type JiraAuth,
  type JiraFieldIds,
  type ServerConfig,
  type SqlSourceSettings,
  type Timings,
} from './server-config.js';

export interface LoadConfigOptions {
  /** Reads the CDFLOW_CONFIG file (default: fs.readFileSync as UTF-8). */
  readFile?: (path: string) => string;
  /** Generates a missing secret in sandbox mode (default: 32 random bytes, base64url). */
  generateSecret?: () => string;
}

export const defaultTimings: Timings = {
  preDeployDelayMs: 0,
  archeryPollMs: 5_000,
  cmdbPollMs: 5_000,
  deployTimeoutMs: 15 * 60_000,
  deployParallelism: 4,
  deployRetries: 2,
  deployRetryPauseMs: 10_000,
  cmdbUpgradeTimeoutMs: 300_000,
  upstreamTimeoutMs: 10_000,
  upstreamRetries: 2,
  effectRetryBaseMs: 1_000,
  effectRetryMaxMs: 60_000,
  intakeIssueWaitMs: 5_000,
  jiraMoveGraceMs: 10_000,
  jiraReconcileMs: 60_000,
  jiraReconcileWindowMs: 14 * 24 * 3_600_000,
};

/** The projects the sandbox runs the policy gate for: its sample release's project. */
const sandboxPolicyProjects = ['A18'] as const;

/** The pre-deploy delay outside sandbox mode (the original waited 30–90 s for images to sync). */
export const siteDefaultPreDeployDelayMs = 60_000;

/** Custom field ids of the original Jira project. */
export const defaultJiraFieldIds: JiraFieldIds = {
  functionList: 'customfield_10200',
  upgradeType: 'customfield_10101',
  sql: 'customfield_10201',
  config: 'customfield_10100',
  apollo: 'customfield_10104',
  code: 'customfield_10103',
};

const defaultBodyLimitBytes = 1024 * 1024;
// Jira Server payloads carry the whole issue (comments, attachments metadata) and can exceed 1 MiB.
const defaultWebhookBodyLimitBytes = 16 * 1024 * 1024;
const minSecretLength = 16;
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const sqlModes: readonly SqlMode[] = ['manual', 'watch', 'auto'];
const compiledFileSchema = Compile(configFileSchema);

const quote = (value: string) => JSON.stringify(value);

export function loadConfig(env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): ServerConfig {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const generateSecret = options.generateSecret ?? (() => randomBytes(32).toString('base64url'));
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const sandboxFlag = get('CDFLOW_SANDBOX');
  if (sandboxFlag !== undefined && !['1', '0', 'true', 'false'].includes(sandboxFlag)) {
    problems.push(`CDFLOW_SANDBOX: expected 1, 0, true or false, got ${quote(sandboxFlag)}`);
  }
  const upstreamUrlNames = [
    'JIRA_BASE_URL',
    'ARCHERY_BASE_URL',
    'CMDB_BASE_URL',
    'CMDB_SEARCH_URL',
    'CMDB_UPGRADE_URL',
  ];
  // CDFLOW_SANDBOX says it outright (0 or false: the upstreams' settings are required); unset, sandbox
  // mode is on when no upstream is configured.
  const sandbox =
    sandboxFlag === '1' || sandboxFlag === 'true'
      ? true
      : sandboxFlag === '0' || sandboxFlag === 'false'
        ? false
        : upstreamUrlNames.every((n) => get(n) === undefined);

  const file = readConfigFile(get('CDFLOW_CONFIG'), readFile, problems);

  const host = get('CDFLOW_HOST') ?? '127.0.0.1';
  // 0 asks the OS for a free port (tests, several servers on one machine).
  const port = readInteger(get('CDFLOW_PORT'), 'CDFLOW_PORT', 0, 65_535, 8080, problems);
  const dbPath = get('CDFLOW_DB') ?? './data/cdflow.sqlite';
  // A postgres:// URL is checked here, its password never repeated (a file path is SQLite's).
  try {
    const location = parseStoreLocation(dbPath);
    if (sandbox && location.dialect === 'postgres')
      problems.push(
        'CDFLOW_DB: sandbox mode runs its simulators inside this process and keeps their state beside a ' +
          'SQLite file, so it needs a file path, not a PostgreSQL URL. Replicas on PostgreSQL share real ' +
          'upstreams: set JIRA_BASE_URL, ARCHERY_BASE_URL, CMDB_BASE_URL and their credentials ' +
          '(`pnpm simulators` starts the simulators on their own and prints that environment).',
      );
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  const replica = {
    id: get('CDFLOW_REPLICA_ID') ?? `${hostname()}-${process.pid}`,
    leaseMs: readInteger(
      get('CDFLOW_REPLICA_LEASE_MS'),
      'CDFLOW_REPLICA_LEASE_MS',
      1_000,
      3_600_000,
      30_000,
      problems,
    ),
    pollMs: readInteger(get('CDFLOW_REPLICA_POLL_MS'), 'CDFLOW_REPLICA_POLL_MS', 10, 60_000, 250, problems),
    concurrency: readInteger(
      get('CDFLOW_REPLICA_CONCURRENCY'),
      'CDFLOW_REPLICA_CONCURRENCY',
      1,
      1_000,
      32,
      problems,
    ),
  };
  if (!/^[\w.:@-]{1,100}$/.test(replica.id))
    problems.push(
      `CDFLOW_REPLICA_ID: expected 1 to 100 letters, digits or . _ : @ -, got ${JSON.stringify(replica.id.slice(0, 100))}`,
    );
  // The sandbox control API can fail any deploy: it listens on loopback unless told otherwise.
  const controlPortRaw = get('CDFLOW_SANDBOX_CONTROL_PORT');
  const sandboxControl = {
    host: get('CDFLOW_SANDBOX_CONTROL_HOST') ?? '127.0.0.1',
    port:
      controlPortRaw === undefined
        ? null
        : readInteger(controlPortRaw, 'CDFLOW_SANDBOX_CONTROL_PORT', 0, 65_535, 0, problems),
  };

  const sqlModeRaw = get('CDFLOW_SQL_MODE');
  // In sandbox mode a newcomer should see a release move: cdflow executes the SQL itself (the simulated
  // Archery), unless a mode is set. A real site defaults to manual: the DBA executes and confirms.
  let sqlMode: SqlMode = file.sqlMode ?? (sandbox ? 'auto' : 'manual');
  if (sqlModeRaw !== undefined) {
    if ((sqlModes as readonly string[]).includes(sqlModeRaw)) sqlMode = sqlModeRaw as SqlMode;
    else problems.push(`CDFLOW_SQL_MODE: expected manual, watch or auto, got ${quote(sqlModeRaw)}`);
  }

  const logLevelRaw = get('CDFLOW_LOG_LEVEL') ?? 'info';
  if (!(logLevels as readonly string[]).includes(logLevelRaw)) {
    problems.push(`CDFLOW_LOG_LEVEL: expected one of ${logLevels.join(', ')}, got ${quote(logLevelRaw)}`);
  }

  // Secrets: given ones are used as given; in sandbox mode missing ones are generated and listed.
  const generatedSecrets: ServerConfig['generatedSecrets'] = [];
  const secret = (name: string, field: ServerConfig['generatedSecrets'][number]): string => {
    const value = get(name);
    if (value !== undefined) {
      if (!sandbox && value.length < minSecretLength) {
        problems.push(
          `${name}: expected at least ${minSecretLength} characters (a random token), got ${value.length}`,
        );
      }
      return value;
    }
    if (sandbox) {
      generatedSecrets.push(field);
      return generateSecret();
    }
    problems.push(
      `${name}: required outside sandbox mode (set it, or CDFLOW_SANDBOX=1 to run against the simulators)`,
    );
    return '';
  };
  const intakeToken = secret('CDFLOW_INTAKE_TOKEN', 'intakeToken');
  const webhookSecret = secret('CDFLOW_WEBHOOK_SECRET', 'webhookSecret');
  const operatorToken = secret('CDFLOW_OPERATOR_TOKEN', 'operatorToken');

  // Upstreams: in sandbox mode main.ts fills URLs and credentials from the simulators.
  const url = (name: string): string => {
    const value = get(name);
    if (value === undefined) {
      if (!sandbox) problems.push(`${name}: required outside sandbox mode (the upstream's base URL)`);
      return '';
    }
    return readUrl(value, name, problems);
  };
  const required = (name: string, what: string): string => {
    const value = get(name);
    if (value === undefined && !sandbox) problems.push(`${name}: required outside sandbox mode (${what})`);
    return value ?? '';
  };

  const jiraBaseUrl = url('JIRA_BASE_URL');
  const jiraToken = get('JIRA_TOKEN');
  const jiraUser = get('JIRA_USER');
  const jiraPassword = get('JIRA_PASSWORD');
  let jiraAuth: JiraAuth = { kind: 'bearer', token: jiraToken ?? '' };
  if (jiraToken === undefined) {
    if (jiraUser !== undefined && jiraPassword !== undefined) {
      jiraAuth = { kind: 'basic', user: jiraUser, password: jiraPassword };
    } else if (!sandbox) {
      problems.push(
        jiraUser !== undefined
          ? 'JIRA_PASSWORD: required with JIRA_USER for basic auth (or set JIRA_TOKEN, a personal access token)'
          : 'JIRA_TOKEN: required outside sandbox mode (a personal access token; or JIRA_USER and JIRA_PASSWORD)',
      );
    }
  }

  const archeryBaseUrl = url('ARCHERY_BASE_URL');
  const archeryUiRaw = get('ARCHERY_UI_URL');
  const archery = {
    baseUrl: archeryBaseUrl,
    user: required('ARCHERY_USER', 'the Archery service user'),
    password: required('ARCHERY_PASSWORD', "the Archery service user's password"),
    uiUrl: archeryUiRaw === undefined ? archeryBaseUrl : readUrl(archeryUiRaw, 'ARCHERY_UI_URL', problems),
    isBackup: file.archery?.isBackup ?? true,
  };
  const cmdb = readCmdb(get, sandbox, problems);
  const apolloUrl = get('APOLLO_BASE_URL');
  const apolloToken = get('APOLLO_TOKEN');
  let apollo: ServerConfig['apollo'] = null;
  if (apolloUrl !== undefined && apolloToken !== undefined) {
    apollo = { baseUrl: readUrl(apolloUrl, 'APOLLO_BASE_URL', problems), token: apolloToken };
  } else if (apolloUrl !== undefined) {
    problems.push('APOLLO_TOKEN: required when APOLLO_BASE_URL is set (the Apollo Open API token)');
  } else if (apolloToken !== undefined) {
    problems.push('APOLLO_BASE_URL: required when APOLLO_TOKEN is set (the Apollo portal URL)');
  }

  const prodUpstreams = readProdUpstreams(
    get,
    file,
    { isBackup: archery.isBackup, dialect: cmdb.dialect },
    (raw, name) => readUrl(raw, name, problems),
    problems,
  );
  const sqlSource = readSqlSource(get, file, sandbox, problems);
  const sqlFallbackEncoding = readFallbackEncoding(file.sqlSource?.fallbackEncoding ?? 'gb18030', problems);

  const names = workflowNames(file, problems);
  const prod = resolveProdSettings(file, names, problems);
  const timings: Timings = {
    ...defaultTimings,
    // A real site waits for image sync before deploying; the sandbox's simulated CMDB needs no wait.
    preDeployDelayMs: sandbox ? 0 : siteDefaultPreDeployDelayMs,
    ...file.timings,
  };
  const orderList = file.jira?.orderList ?? 'comment';
  if (orderList === 'field' && file.jira?.fields?.sqlOrders === undefined) {
    problems.push(
      'CDFLOW_CONFIG jira.orderList: "field" needs jira.fields.sqlOrders (the id of a text field for the list of Archery orders)',
    );
  }
  if (timings.effectRetryMaxMs < timings.effectRetryBaseMs) {
    problems.push(
      `CDFLOW_CONFIG timings.effectRetryMaxMs: expected ≥ effectRetryBaseMs (${timings.effectRetryBaseMs}), got ${timings.effectRetryMaxMs}`,
    );
  }

  // The checker refuses unknown rule ids; refusing them here tells the operator at start, not at the first release.
  const policyChecks: Array<[string, Record<string, unknown>]> = [
    ['rules', { rules: file.policy?.rules ?? {} }],
    ['temporaryTablePatterns', { temporaryTablePatterns: file.policy?.temporaryTablePatterns }],
  ];
  for (const [field, partial] of policyChecks) {
    try {
      resolvePolicyConfig(partial);
    } catch (error) {
      if (!(error instanceof PolicyConfigError)) throw error;
      problems.push(`CDFLOW_CONFIG policy.${field}: ${error.message}`);
    }
  }

  const people = resolvePeopleSettings(file.people, problems);
  const consoleSettings = resolveConsoleSettings(file.console, (raw, name) => readUrl(raw, name, problems));
  const notifications = resolveNotificationSettings(file.notifications, get, problems);
  const inspectUrl = resolveInspectUrl(get('CDFLOW_INSPECT_URL'), problems);

  if (problems.length > 0) throw new ConfigError(problems);

  const normalize: NormalizeOptions = {
    projectMap: file.projects ?? defaultNormalizeOptions.projectMap,
    rules: { ...defaultNormalizeOptions.rules, ...file.normalize?.rules },
    routing: {
      instanceFromPath:
        file.normalize?.routing?.instanceFromPath ?? defaultNormalizeOptions.routing.instanceFromPath,
      ...routingProjects(file),
    },
    sqlSource: sqlSource?.kind ?? null,
    sqlFileFilters: sqlFileFiltersOf(file),
  };

  return {
    host,
    port,
    dbPath,
    replica,
    sandbox,
    intakeToken,
    webhookSecret,
    operatorToken,
    generatedSecrets,
    sqlMode,
    jira: {
      baseUrl: jiraBaseUrl,
      auth: jiraAuth,
      user: jiraUser ?? file.jira?.user ?? '',
      issueType: file.jira?.issueType ?? '升级',
      fields: { ...defaultJiraFieldIds, ...file.jira?.fields },
      names,
      orderList,
    },
    archery,
    cmdb,
    apollo,
    environments: { PRO: prodUpstreams },
    prod,
    sqlSource,
    sqlFallbackEncoding,
    legacy: { statusWithoutAuth: file.legacy?.statusWithoutAuth ?? false },
    normalize,
    timings,
    sandboxControl,
    policy: {
      gate: file.policy?.gate ?? true,
      // The policy is the data platform's: a site lists its projects. The sandbox shows it on its
      // sample project, so the demo and a newcomer still see the gate at work.
      projects: file.policy?.projects ?? (sandbox ? [...sandboxPolicyProjects] : []),
      rules: file.policy?.rules ?? {},
      temporaryTablePatterns: file.policy?.temporaryTablePatterns ?? [
        ...defaultPolicyConfig.temporaryTablePatterns,
      ],
    },
    bodyLimitBytes: file.limits?.bodyLimitBytes ?? defaultBodyLimitBytes,
    webhookBodyLimitBytes: file.limits?.webhookBodyLimitBytes ?? defaultWebhookBodyLimitBytes,
    logLevel: logLevelRaw,
    people,
    console: consoleSettings,
    notifications,
    metrics: resolveMetricsSettings(file.metrics),
    inspectUrl,
  };
}

/** The routing rules of the file's `normalize.routing.projects` as core's `RoutingRule`s. */
function routingProjects(file: ConfigFile): { projects?: Record<string, RoutingRule> } {
  const given = file.normalize?.routing?.projects;
  if (given === undefined) return {};
  const projects: Record<string, RoutingRule> = {};
  for (const [project, rule] of Object.entries(given)) {
    if (rule === 'path' || rule === 'none') projects[project] = { rule };
    else if (rule === 'jiracdflow-qc') projects[project] = jiracdflowQcRouting;
    else {
      projects[project] = {
        rule: 'map',
        group: rule.group,
        instances: Object.fromEntries(
          Object.entries(rule.instances).map(([segment, entry]) => [
            segment,
            typeof entry === 'string' ? { instance: entry } : entry,
          ]),
        ),
      };
    }
  }
  return { projects };
}

/**
 * The CMDB settings of the chosen dialect: `tasks` needs CMDB_BASE_URL, `jiracdflow` CMDB_SEARCH_URL and
 * CMDB_UPGRADE_URL (the original's `CMDB.search_url`/`upgrade_url`); the other dialect's URLs are refused
 * so a half-switched configuration is caught at start.
 */
function readCmdb(
  get: (name: string) => string | undefined,
  sandbox: boolean,
  problems: string[],
): ServerConfig['cmdb'] {
  const raw = get('CMDB_DIALECT') ?? 'tasks';
  let dialect: CmdbDialect = 'tasks';
  if ((cmdbDialects as readonly string[]).includes(raw)) dialect = raw as CmdbDialect;
  else problems.push(`CMDB_DIALECT: expected ${cmdbDialects.join(' or ')}, got ${quote(raw)}`);
  const token = get('CMDB_TOKEN');
  if (token === undefined && !sandbox)
    problems.push('CMDB_TOKEN: required outside sandbox mode (the CMDB API token)');
  const ownUrls = dialect === 'tasks' ? ['CMDB_BASE_URL'] : ['CMDB_SEARCH_URL', 'CMDB_UPGRADE_URL'];
  const otherUrls = dialect === 'tasks' ? ['CMDB_SEARCH_URL', 'CMDB_UPGRADE_URL'] : ['CMDB_BASE_URL'];
  for (const name of otherUrls) {
    if (get(name) !== undefined) {
      problems.push(
        `${name}: not used with CMDB_DIALECT=${dialect} (${ownUrls.join(' and ')} ${ownUrls.length > 1 ? 'are' : 'is'}): set CMDB_DIALECT=${dialect === 'tasks' ? 'jiracdflow' : 'tasks'} or remove ${name}`,
      );
    }
  }
  const urlOf = (name: string, keepTrailingSlash: boolean): string => {
    const value = get(name);
    if (value === undefined) {
      if (!sandbox && ownUrls.includes(name)) {
        problems.push(`${name}: required with CMDB_DIALECT=${dialect} outside sandbox mode`);
      }
      return '';
    }
    const checked = readUrl(value, name, problems);
    return keepTrailingSlash && checked !== '' ? value : checked;
  };
  const baseUrl = urlOf('CMDB_BASE_URL', false);
  const searchUrl = urlOf('CMDB_SEARCH_URL', false);
  const upgradeUrl = urlOf('CMDB_UPGRADE_URL', true);
  if (upgradeUrl !== '' && !upgradeUrl.endsWith('/') && !upgradeUrl.endsWith('=')) {
    problems.push(
      `CMDB_UPGRADE_URL: the project id is appended to it (as the original did), so it must end with "/" or "=", got ${quote(upgradeUrl)}`,
    );
  }
  return {
    dialect,
    baseUrl,
    searchUrl,
    upgradeUrl,
    token: token ?? '',
  };
}

/**
 * The SQL source from SVN_BASE_URL + SVN_USER + SVN_PASSWORD, or GITLAB_BASE_URL + GITLAB_TOKEN with the
 * project map of the config file; at most one. In sandbox mode the simulators fill what is missing.
 */
function readSqlSource(
  get: (name: string) => string | undefined,
  file: ConfigFile,
  sandbox: boolean,
  problems: string[],
): SqlSourceSettings | null {
  const svnUrl = get('SVN_BASE_URL');
  const gitlabUrl = get('GITLAB_BASE_URL');
  const projects = file.sqlSource?.gitlab?.projects;
  if (svnUrl !== undefined && gitlabUrl !== undefined) {
    problems.push(
      'SVN_BASE_URL and GITLAB_BASE_URL: set one of them (cdflow reads SQL files from one source)',
    );
    return null;
  }
  const missing = (name: string, what: string) => {
    if (!sandbox)
      problems.push(`${name}: required with ${svnUrl !== undefined ? 'SVN' : 'GITLAB'}_BASE_URL (${what})`);
    return '';
  };
  if (svnUrl !== undefined) {
    return {
      kind: 'svn',
      baseUrl: readUrl(svnUrl, 'SVN_BASE_URL', problems),
      user: get('SVN_USER') ?? missing('SVN_USER', 'the user cdflow reads SQL files as'),
      password: get('SVN_PASSWORD') ?? missing('SVN_PASSWORD', "that user's password"),
    };
  }
  if (gitlabUrl !== undefined) {
    if (projects === undefined || Object.keys(projects).length === 0) {
      problems.push(
        'CDFLOW_CONFIG sqlSource.gitlab.projects: required with GITLAB_BASE_URL (repository name, the first segment of svn_path → GitLab project id)',
      );
    }
    return {
      kind: 'gitlab',
      baseUrl: readUrl(gitlabUrl, 'GITLAB_BASE_URL', problems),
      token: get('GITLAB_TOKEN') ?? missing('GITLAB_TOKEN', 'an access token with read_repository'),
      projects: projects ?? {},
    };
  }
  for (const name of ['SVN_USER', 'SVN_PASSWORD']) {
    if (get(name) !== undefined)
      problems.push(`SVN_BASE_URL: required when ${name} is set (the repository root URL)`);
  }
  if (get('GITLAB_TOKEN') !== undefined) {
    problems.push('GITLAB_BASE_URL: required when GITLAB_TOKEN is set (the GitLab root URL)');
  }
  if (projects !== undefined && !sandbox) {
    problems.push(
      'CDFLOW_CONFIG sqlSource.gitlab.projects: set GITLAB_BASE_URL and GITLAB_TOKEN to use GitLab',
    );
  }
  return null;
}

/** A fallback encoding Node can decode with (checked at start, not at the first GBK file). */
function readFallbackEncoding(label: string, problems: string[]): string {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    problems.push(
      `CDFLOW_CONFIG sqlSource.fallbackEncoding: ${quote(label)} is not an encoding name (expected one such as gb18030, gbk, big5, shift_jis)`,
    );
    return 'gb18030';
  }
}

function readInteger(
  raw: string | undefined,
  name: string,
  min: number,
  max: number,
  fallback: number,
  problems: string[],
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name}: expected an integer ${min}–${max}, got ${quote(raw)}`);
    return fallback;
  }
  return value;
}

function readUrl(raw: string, name: string, problems: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    problems.push(`${name}: expected an http(s) URL such as https://jira.example.com, got ${quote(raw)}`);
    return '';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    problems.push(`${name}: expected an http or https URL, got the protocol ${quote(parsed.protocol)}`);
    return '';
  }
  // Credentials in a URL would end up in logs; they belong in the token/password variables.
  if (parsed.username !== '' || parsed.password !== '') {
    problems.push(`${name}: must not contain credentials (use the matching token or password variable)`);
    return '';
  }
  return raw.replace(/\/+$/, '');
}

function readConfigFile(
  path: string | undefined,
  readFile: (path: string) => string,
  problems: string[],
): ConfigFile {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    problems.push(`CDFLOW_CONFIG: cannot read the file ${quote(path)} (${code})`);
    return {};
  }
  let value: unknown;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    problems.push(
      `CDFLOW_CONFIG: ${quote(path)} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
    );
    return {};
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(
      `CDFLOW_CONFIG: ${quote(path)} must hold an object of settings, got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
    return {};
  }
  const before = problems.length;
  for (const error of compiledFileSchema.Errors(value)) {
    if (error.keyword === 'boolean') continue; // reported by its parent as an unknown key
    const at = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
    if (error.keyword === 'additionalProperties') {
      const unknown = (error.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      for (const key of unknown)
        problems.push(`CDFLOW_CONFIG ${at === '' ? key : `${at}.${key}`}: unknown setting`);
      continue;
    }
    const got = valueAt(value, error.instancePath);
    problems.push(
      `CDFLOW_CONFIG ${at === '' ? '(root)' : at}: ${error.message}, got ${JSON.stringify(got) ?? 'nothing'}`,
    );
  }
  return problems.length === before ? (value as ConfigFile) : {};
}

function valueAt(root: unknown, pointer: string): unknown {
  let current = root;
  for (const part of pointer.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return current;
}

function workflowNames(file: ConfigFile, problems: string[]): JiraWorkflowNames {
  const check = (given: Record<string, string> | undefined, keys: readonly string[], where: string) => {
    for (const key of Object.keys(given ?? {})) {
      if (!keys.includes(key)) {
        problems.push(`CDFLOW_CONFIG jira.${where}.${key}: unknown key (expected one of ${keys.join(', ')})`);
      }
    }
  };
  check(file.jira?.statuses, releaseStates, 'statuses');
  check(file.jira?.transitions, jiraTransitionKeys, 'transitions');
  return {
    statuses: { ...defaultJiraWorkflowNames.statuses, ...file.jira?.statuses },
    transitions: { ...defaultJiraWorkflowNames.transitions, ...file.jira?.transitions },
  };
}
