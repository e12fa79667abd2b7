/**
 * Sandbox mode: the simulators of @cdflow/sandbox stand in for Jira, Archery, CMDB, Apollo and the SQL
 * source (SVN, or GitLab when GITLAB_BASE_URL asks for it), so a newcomer can post a release and watch it move. This file fills the configuration from the simulators
 * and prints what a person needs to try it (URLs, generated tokens once, a curl line).
 */
import type { Sandbox } from '@cdflow/sandbox';
import type { ServerConfig, SqlSourceSettings } from './config/server-config.js';

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
      baseUrl: urls.archery,
      user: credentials.archery.username,
      password: credentials.archery.password,
    },
    cmdb: { baseUrl: urls.cmdb, token: credentials.cmdb.token },
    apollo: { baseUrl: urls.apollo, token: credentials.apollo.token },
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

/**
 * What sandbox mode prints at start, for a person (not the log): where everything runs, the tokens it
 * generated (only those; given ones are the operator's to know), and a curl line that posts a release.
 */
export function sandboxBanner(input: { url: string; config: ServerConfig; sandbox: Sandbox }): string {
  const { url, config, sandbox } = input;
  const lines = [
    '',
    'cdflow is running in SANDBOX MODE: Jira, Archery, CMDB, Apollo and SVN are simulators in this process.',
    `  cdflow    ${url}   (docs: ${url}/docs)`,
    `  jira      ${sandbox.urls.jira}`,
    `  archery   ${sandbox.urls.archery}`,
    `  cmdb      ${sandbox.urls.cmdb}`,
    `  apollo    ${sandbox.urls.apollo}`,
    config.sqlSource?.kind === 'gitlab'
      ? `  gitlab    ${sandbox.urls.gitlab}   (SQL files)`
      : `  svn       ${sandbox.urls.svn}   (SQL files)`,
    `  database  ${config.dbPath}`,
  ];
  if (config.generatedSecrets.length > 0) {
    lines.push('', 'Generated for this run (set them in the environment to keep them across restarts):');
    for (const name of config.generatedSecrets) lines.push(`  ${secretEnvNames[name]}=${config[name]}`);
  }
  const body = JSON.stringify(sampleReleaseRequest());
  lines.push(
    '',
    'Post a sample release:',
    `  curl -sS -X POST ${url}/cicdflow/ -H 'Authorization: Bearer ${config.intakeToken}' -H 'Content-Type: application/json' -d ${shellQuote(body)}`,
    'Then watch it:',
    `  curl -sS ${url}/api/releases -H 'Authorization: Bearer ${config.intakeToken}'`,
    config.sqlMode === 'manual'
      ? `The SQL waits for the DBA (mode manual): confirm it as an operator, or act in the simulated Jira:`
      : `cdflow executes the SQL itself (mode ${config.sqlMode}); the config change waits for ops — confirm it as an operator:`,
    config.sqlMode === 'manual'
      ? `  curl -sS -X POST ${url}/api/releases/<key>/events -H 'Authorization: Bearer ${config.operatorToken}' -H 'Content-Type: application/json' -d '{"type":"SQL_CONFIRMED","by":"dba"}'`
      : '',
    `  curl -sS -X POST ${url}/api/releases/<key>/events -H 'Authorization: Bearer ${config.operatorToken}' -H 'Content-Type: application/json' -d '{"type":"CONFIG_CONFIRMED","by":"ops"}'`,
    '',
  );
  return lines.join('\n');
}
