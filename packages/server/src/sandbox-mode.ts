/**
 * Sandbox mode: the simulators of @cdflow/sandbox stand in for Jira, Archery, CMDB and Apollo, so a
 * newcomer can post a release and watch it move. This file fills the configuration from the simulators
 * and prints what a person needs to try it (URLs, generated tokens once, a curl line).
 */
import type { Sandbox } from '@cdflow/sandbox';
import type { ServerConfig } from './config/server-config.js';

/** The configuration with every upstream pointed at the in-process simulators. */
export function withSandboxUpstreams(config: ServerConfig, sandbox: Sandbox): ServerConfig {
  const { urls, credentials } = sandbox;
  return {
    ...config,
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
  };
}

/** A release request to try the sandbox with (first upgrade: two SQL items, one Apollo key, one config file, two services). */
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
        sql_content:
          'CREATE OR REPLACE VIEW store_by_region AS SELECT id, name, region FROM store WHERE closed_at IS NULL;',
      },
      {
        sql_id: 'a18-sandbox-02',
        svn_path: 'database_acc/db_a18/acc',
        svn_file: '02.acc_dml_store_region.sql',
        svn_version: '2001',
        sql_content: "UPDATE store SET region = 'north' WHERE region = 'N';",
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
    'cdflow is running in SANDBOX MODE: Jira, Archery, CMDB and Apollo are simulators in this process.',
    `  cdflow    ${url}   (docs: ${url}/docs)`,
    `  jira      ${sandbox.urls.jira}`,
    `  archery   ${sandbox.urls.archery}`,
    `  cmdb      ${config.cmdb.dialect === 'jiracdflow' ? `${sandbox.urls.cmdbSearch} (dialect jiracdflow)` : sandbox.urls.cmdb}`,
    `  apollo    ${sandbox.urls.apollo}`,
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
