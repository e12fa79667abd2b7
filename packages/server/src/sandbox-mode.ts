/**
 * Sandbox mode: the simulators of @cdflow/sandbox stand in for Jira, Archery, CMDB, Apollo and the SQL
 * source (SVN, or GitLab when GITLAB_BASE_URL asks for it), so a newcomer can post a release and watch it
 * move. This file fills the configuration from the simulators and prints what a person needs to try it
 * (URLs, generated tokens once, the people of the simulated Jira, the release to follow, how to act and
 * make things fail, a curl line that posts a release).
 */
import type { Sandbox } from '@cdflow/sandbox';
import type { EnvironmentUpstreams, ServerConfig, SqlSourceSettings } from './config/server-config.js';
import { jiraSignIns } from './sandbox/jira-sign-ins.js';

/** The configuration with every upstream pointed at the in-process simulators. */
export function withSandboxUpstreams(config: ServerConfig, sandbox: Sandbox): ServerConfig {
  const { urls, credentials } = sandbox;
  // The release system sends no sql_content: the SVN simulator holds the files its items name.
  const sqlSource: SqlSourceSettings =
    config.sqlSource?.kind === 'gitlab'
      ? {
          kind: 'gitlab',
          baseUrl: urls.gitlab,
          token: credentials.gitlab.token,
          projects: sandbox.gitlab.projectIds(),
        }
      : { kind: 'svn', baseUrl: urls.svn, ...credentials.svn };
  return {
    ...config,
    sqlSource,
    normalize: { ...config.normalize, sqlSource: sqlSource.kind },
    jira: {
      ...config.jira,
      baseUrl: urls.jira,
      auth: { kind: 'bearer', token: credentials.jira.token },
      user: credentials.jira.user,
    },
    archery: {
      ...config.archery,
      baseUrl: urls.archery,
      user: credentials.archery.username,
      password: credentials.archery.password,
      uiUrl: urls.archery,
    },
    // The CMDB simulator speaks both dialects: CMDB_DIALECT chooses (default tasks).
    cmdb: {
      dialect: config.cmdb.dialect,
      baseUrl: urls.cmdb,
      searchUrl: urls.cmdbSearch,
      upgradeUrl: urls.cmdbUpgrade,
      token: credentials.cmdb.token,
    },
    apollo: { baseUrl: urls.apollo, token: credentials.apollo.token },
    // Production's own simulators (a promotion to production goes there, never to the UAT ones).
    environments: { PRO: sandbox.prod ? prodUpstreamsOf(sandbox.prod, config) : null },
  };
}

function prodUpstreamsOf(prod: NonNullable<Sandbox['prod']>, config: ServerConfig): EnvironmentUpstreams {
  return {
    archery: {
      baseUrl: prod.urls.archery,
      user: prod.credentials.archery.username,
      password: prod.credentials.archery.password,
      uiUrl: prod.urls.archery,
      isBackup: config.archery.isBackup,
    },
    cmdb: {
      dialect: config.cmdb.dialect,
      baseUrl: prod.urls.cmdb,
      searchUrl: prod.urls.cmdbSearch,
      upgradeUrl: prod.urls.cmdbUpgrade,
      token: prod.credentials.cmdb.token,
    },
    apollo: { baseUrl: prod.urls.apollo, token: prod.credentials.apollo.token },
  };
}

/**
 * A release request to try the sandbox with (first upgrade: two SQL items, one Apollo key, one config
 * file, two services), as the release system sends it: the SQL items name files in SVN (the SVN
 * simulator's seed has them), without sql_content.
 */
export function sampleReleaseRequest(
  summary = `【A18】【升级】sandbox_${new Date().toISOString().slice(0, 10).replaceAll('-', '')}_01`,
) {
  return {
    project: 'A18',
    summary,
    env: 'UAT',
    issue_type: '升级',
    upgrade_type: '日常版本需求',
    function_list: ['【A18】订单导出', '【A18】门店按区域筛选'],
    version: '1.1.1',
    sql_info: [
      {
        sql_id: 'a18-sandbox-01',
        svn_path: 'database_acc/db_a18/acc',
        svn_file: '01.acc_view_store_by_region.sql',
        svn_version: '2001',
        has_deploy_uat: false,
      },
      {
        sql_id: 'a18-sandbox-02',
        svn_path: 'database_acc/db_a18/acc',
        svn_file: '02.acc_dml_store_region.sql',
        svn_version: '2001',
        has_deploy_uat: false,
      },
    ],
    apollo_info: [
      { app_id: 'a18-console', namespace: 'application', key: 'order.export.enabled', value: 'true' },
    ],
    config_info: [{ name: 'nginx/a18-console.conf', content: 'client_max_body_size 20m;' }],
    code_info: [
      // Services the CMDB simulator has deploy targets for (its seed), in UAT: V1 and V2.
      { svn_path: 'a18/cc_merchant_console', svn_version: '1502', tag: '' },
      { svn_path: 'a18/cc_report_service', svn_version: '733', tag: 'v2' },
    ],
  };
}

const secretEnvNames = {
  intakeToken: 'CDFLOW_INTAKE_TOKEN',
  webhookSecret: 'CDFLOW_WEBHOOK_SECRET',
  operatorToken: 'CDFLOW_OPERATOR_TOKEN',
} as const;

/** Single-quote a string for a POSIX shell. */
const shellQuote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

export interface SandboxBannerInput {
  url: string;
  config: ServerConfig;
  sandbox: Sandbox;
  /** The sandbox control API's base URL. */
  controlUrl: string;
  files: { state: string; log: string };
  /** Something a person must know about this start (e.g. the sandbox started on a fresh database). */
  notice: string | null;
  /** The release the banner's lines act on: the sample posted at this start, or the latest one. */
  release: { ref: string; summary: string; postedNow: boolean } | null;
  /** Why no sample release could be posted, when it could not. */
  sampleProblem?: string | null;
  /** Releases in the database (after the sample). */
  releases: number;
}

/**
 * What sandbox mode prints at start, for a person (not the log): where everything runs, the tokens it
 * generated (only those; given ones are the operator's to know), who to sign in to the simulated Jira as,
 * the release to follow and how, how to act as the DBA or ops and make things fail, and a curl line that
 * posts another release.
 */
export function sandboxBanner(input: SandboxBannerInput): string {
  const { url, config, sandbox, controlUrl, files, release } = input;
  const operator = `-H 'Authorization: Bearer ${config.operatorToken}'`;
  const json = `-H 'Content-Type: application/json'`;
  const lines = [
    '',
    'cdflow is running in SANDBOX MODE: Jira, Archery, CMDB, Apollo, SVN and GitLab are simulators in this process.',
    `  cdflow    ${url}   (API docs: ${url}/docs)`,
    `  control   ${controlUrl}   (sandbox control API: act as the DBA, ops or a Jira person; make things fail)`,
    `  jira      ${sandbox.urls.jira}`,
    `  archery   ${sandbox.urls.archery}`,
    `  cmdb      ${config.cmdb.dialect === 'jiracdflow' ? `${sandbox.urls.cmdbSearch} (dialect jiracdflow)` : sandbox.urls.cmdb}`,
    `  apollo    ${sandbox.urls.apollo}`,
    ...(sandbox.prod
      ? [
          `  PRO       archery ${sandbox.prod.urls.archery}, cmdb ${sandbox.prod.urls.cmdb}, apollo ${sandbox.prod.urls.apollo}   (production's own simulators)`,
        ]
      : []),
    config.sqlSource?.kind === 'gitlab'
      ? `  gitlab    ${sandbox.urls.gitlab}   (SQL files)`
      : `  svn       ${sandbox.urls.svn}   (SQL files)`,
    `  database  ${config.dbPath}`,
    `  state     ${files.state}   (the simulators, saved beside the database: a restart continues)`,
    `  log       ${files.log}   (request and runtime logs; this terminal tells what the releases do)`,
  ];
  if (input.notice !== null) lines.push('', `NOTICE: ${input.notice}`);
  if (config.generatedSecrets.length > 0) {
    lines.push('', 'Generated for this run (set them in the environment to keep them across restarts):');
    for (const name of config.generatedSecrets) lines.push(`  ${secretEnvNames[name]}=${config[name]}`);
  }
  lines.push('', `Sign in to the simulated Jira (${sandbox.urls.jira}, basic auth) as:`);
  for (const p of jiraSignIns(sandbox)) {
    lines.push(`  ${p.name.padEnd(8)} ${p.password.padEnd(26)} ${p.groups.join(', ') || '(browse only)'}`);
  }

  if (release !== null) {
    const { ref } = release;
    const names = config.jira.names.transitions;
    lines.push(
      '',
      release.postedNow
        ? `The sample release ${ref} ("${release.summary}") was posted at start. Follow it, one line per step:`
        : `${input.releases} release(s) in this sandbox; the latest is ${ref} ("${release.summary}"). Follow it, one line per step:`,
      `  curl -sS ${controlUrl}/releases/${ref} ${operator}`,
      `Every release in one line: curl -sS ${controlUrl}/releases ${operator}`,
      `The full JSON: curl -sS ${url}/api/releases/${ref} ${operator}   (its audit trail: ${url}/api/releases/${ref}/history)`,
      '',
    );
    if (config.sqlMode === 'manual') {
      lines.push(
        `The SQL waits for the DBA (mode manual): execute it as the DBA in Archery, then confirm it as dba1 in Jira:`,
        `  curl -sS -X POST ${controlUrl}/archery/releases/${ref}/execute ${operator}`,
        `  curl -sS -X POST ${controlUrl}/jira/issues/${ref}/transitions ${operator} ${json} -d ${shellQuote(JSON.stringify({ as: 'dba1', transition: names.sqlSucceeded }))}`,
      );
    } else if (config.sqlMode === 'watch') {
      lines.push(
        'cdflow watches Archery (mode watch): execute the SQL as the DBA and cdflow moves on when it finishes:',
        `  curl -sS -X POST ${controlUrl}/archery/releases/${ref}/execute ${operator}`,
      );
    } else {
      lines.push('cdflow executes the SQL itself (mode auto).');
    }
    lines.push(
      'Then the config change waits for ops. Confirm it as ops1 in Jira:',
      `  curl -sS -X POST ${controlUrl}/ops/releases/${ref}/confirm ${operator}`,
      `or as an operator through cdflow's API:`,
      `  curl -sS -X POST ${url}/api/releases/${ref}/events ${operator} ${json} -d '{"type":"CONFIG_CONFIRMED","by":"ops"}'`,
    );
  } else if (input.sampleProblem) {
    lines.push('', `The sample release could not be posted: ${input.sampleProblem}`);
  }

  // Another summary than the sample's: the same summary would be a new iteration of the sample.
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '_');
  const body = JSON.stringify(sampleReleaseRequest(`【A18】【升级】sandbox_${stamp}`));
  lines.push(
    '',
    `Make something fail (every control route: curl -sS ${controlUrl}/ ${operator}):`,
    `  curl -sS -X POST ${controlUrl}/archery/fail-next ${operator}      # the next SQL execution fails`,
    `  curl -sS -X POST ${controlUrl}/cmdb/outcome ${operator} ${json} -d '{"service":"a18/cc_report_service","outcome":"failed","message":"health check failed"}'`,
    `  curl -sS -X POST ${controlUrl}/faults ${operator} ${json} -d '{"upstream":"archery","status":500,"times":3}'`,
    '',
    release === null ? 'Post a release:' : 'Post another release:',
    `  curl -sS -X POST ${url}/cicdflow/ -H 'Authorization: Bearer ${config.intakeToken}' ${json} -d ${shellQuote(body)}`,
    '',
  );
  return lines.join('\n');
}
