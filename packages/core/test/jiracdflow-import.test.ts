/** Cut-over: releases built from the original's jira_workflow and sql_workflow rows, at their stage. */
import {
  type Decision,
  decide,
  decodeSqlText,
  defaultNormalizeOptions,
  describeRelease,
  JiracdflowExportError,
  jiracdflowRelease,
  legacyUpgradeStatus,
  normalizeReleaseRequest,
  parseJiracdflowExport,
  planJiracdflowImport,
  type ReleaseSettings,
  type SqlText,
  storedSqlText,
  validateReleaseRequest,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { settings, summarize } from './release-driver.js';
import { readOrder } from './upstream-answers.js';

const normalize = { ...defaultNormalizeOptions, sqlSource: 'svn' };
const summary = '【A18】【升级】20230301_02';
const path = 'database_acc/db_a18/acc';

/** The SVN files of the release, at their revisions. */
const files: Record<string, string> = {
  [`${path}/01.acc_ddl.sql@900`]: 'ALTER TABLE member ADD COLUMN level INT;',
  [`${path}/02.acc_dml.sql@900`]: 'UPDATE member SET level = 1;',
  [`${path}/02.acc_dml.sql@950`]: 'UPDATE member SET level = 2;',
};

function textOf(sql: string): SqlText {
  const bytes = new TextEncoder().encode(sql);
  return storedSqlText(decodeSqlText(bytes), 'svn', bytes.length);
}

function issueRow(status: string, overrides: Record<string, unknown> = {}) {
  return {
    issue_key: 'AC-77',
    summary,
    status,
    project: 'AC',
    environment: 'UAT',
    sql_info: JSON.stringify([
      {
        sql_id: 'a18-77-01',
        svn_path: path,
        svn_file: '01.acc_ddl.sql',
        svn_version: 900,
        has_deploy_uat: false,
      },
      {
        sql_id: 'a18-77-02',
        svn_path: path,
        svn_file: '02.acc_dml.sql',
        svn_version: '900',
        has_deploy_uat: false,
      },
    ]),
    apollo_info: [],
    config_info: [{ name: 'nginx/a18.conf', content: 'gzip on;', has_deploy_uat: false }],
    code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1501', tag: 'v1' }],
    init_flag: { sql_init_flag: 1, apollo_init_flag: 0, config_init_flag: 0, code_init_flag: 0 },
    ...overrides,
  };
}

const finishedOrders = [
  {
    w_id: 501,
    sql_id: 'a18-77-01',
    sql_index: 1,
    sql_release_info: 900,
    workflow_name: summary,
    w_status: 'workflow_finish',
  },
  {
    w_id: 502,
    sql_id: 'a18-77-02',
    sql_index: 2,
    sql_release_info: 900,
    workflow_name: summary,
    w_status: 'workflow_finish',
  },
  // A backup order of the original carries its own name: not the release's.
  {
    w_id: 503,
    sql_id: 'a18-77-02',
    sql_index: 2,
    sql_release_info: 900,
    workflow_name: `${summary}_备份工单`,
    w_status: 'workflow_finish',
  },
];

function imported(
  status: string,
  s: ReleaseSettings = settings({ policyGate: false }),
  orders = finishedOrders,
) {
  const exported = parseJiracdflowExport({ jira_workflow: [issueRow(status)], sql_workflow: orders });
  const plan = planJiracdflowImport(exported.jira_workflow[0]!, exported.sql_workflow, { normalize });
  if (plan.kind !== 'release') throw new Error(plan.reason);
  const texts = Object.fromEntries(plan.files.map((f) => [f.ref, textOf(files[f.ref]!)]));
  return { plan, release: jiracdflowRelease(plan, { releaseId: 'rel-77', settings: s, texts }) };
}

/** The release system publishes again, without sql_content, with item 02 at a new revision. */
function republish(version02: string) {
  const body = {
    project: 'A18',
    summary,
    env: 'UAT',
    sql_info: [
      {
        sql_id: 'a18-77-01',
        svn_path: path,
        svn_file: '01.acc_ddl.sql',
        svn_version: '900',
        has_deploy_uat: false,
      },
      {
        sql_id: 'a18-77-02',
        svn_path: path,
        svn_file: '02.acc_dml.sql',
        svn_version: version02,
        has_deploy_uat: false,
      },
    ],
    apollo_info: [],
    config_info: [{ name: 'nginx/a18.conf', content: 'gzip on;' }],
    code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1501', tag: '' }],
  };
  const checked = validateReleaseRequest(body);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return normalizeReleaseRequest(checked.value, normalize);
}

describe('reading the export', () => {
  it('takes JSON columns as JSON or as the text MySQL stored, and names a bad row and field', () => {
    const exported = parseJiracdflowExport({
      jira_workflow: [issueRow('SQL执行中')],
      sql_workflow: finishedOrders,
    });
    expect(exported.jira_workflow[0]!.sql_info).toHaveLength(2);
    expect(exported.sql_workflow[0]!.sql_release_info).toBe('900');
    expect(() =>
      parseJiracdflowExport({
        jira_workflow: [],
        sql_workflow: [{ ...finishedOrders[0], w_status: 'done' }],
      }),
    ).toThrow(/sql_workflow\[0\]\.w_status: "done" is not an Archery status/);
    const bad = parseJiracdflowExport({ jira_workflow: [issueRow('Waiting')], sql_workflow: [] });
    expect(() => planJiracdflowImport(bad.jira_workflow[0]!, [], { normalize }, 'jira_workflow[0]')).toThrow(
      JiracdflowExportError,
    );
    expect(() => planJiracdflowImport(bad.jira_workflow[0]!, [], { normalize }, 'jira_workflow[0]')).toThrow(
      /jira_workflow\[0\]\.status: "Waiting"/,
    );
  });

  it('leaves PRO rows alone', () => {
    const exported = parseJiracdflowExport({
      jira_workflow: [issueRow('UAT升级完成', { environment: 'PRO' })],
    });
    expect(planJiracdflowImport(exported.jira_workflow[0]!, [], { normalize }).kind).toBe('skip');
  });
});

/** Archery's own check of the items about to be submitted passes (the decision's `archery.checkSql`). */
function passCheck(d: Decision): Decision {
  const check = d.effects.find((e) => e.type === 'archery.checkSql');
  if (check?.type !== 'archery.checkSql') throw new Error(`no archery.checkSql in ${d.state}`);
  return decide(d.next, {
    type: 'SQL_CHECKED',
    items: check.items.map((i) => ({ sqlId: i.sqlId, hash: i.hash, errors: [], warnings: [] })),
  });
}

describe('a release imported at SQL执行中 with two executed orders', () => {
  it('is in sqlExecuting with the orders and their Archery ids, both applied; mode watch polls Archery', () => {
    const { plan, release } = imported('SQL执行中', settings({ policyGate: false, sqlMode: 'watch' }));
    expect(plan.files.map((f) => f.ref)).toEqual([
      `${path}/01.acc_ddl.sql@900`,
      `${path}/02.acc_dml.sql@900`,
    ]);
    expect(release.state).toBe('sqlExecuting.watching');
    expect(release.context.sqlOrders.map((o) => [o.sqlId, o.workflowId, o.status])).toEqual([
      ['a18-77-01', 501, 'workflow_finish'],
      ['a18-77-02', 502, 'workflow_finish'],
    ]);
    expect(Object.keys(release.context.applied.sql)).toEqual(['a18-77-01', 'a18-77-02']);
    expect(summarize(release.effects)).toEqual(['timer.schedule archery.poll']);
    expect(release.context.timers).toEqual(['archery.poll']);
    expect(describeRelease(release.persisted).state).toBe('sqlExecuting.watching');
    expect(legacyUpgradeStatus(release)).toBe(102);
  });

  it('re-published with one changed item after uatComplete, plans and reads only that item', () => {
    const { release } = imported('SQL执行中');
    // Every mode reads Archery (manual too, read-only).
    expect(summarize(release.effects)).toEqual(['timer.schedule archery.poll']);
    let d = decide(release.persisted, { type: 'SQL_CONFIRMED', by: 'dba' });
    expect(d.state).toBe('sqlExecuting.confirming');
    d = decide(d.next, {
      type: 'SQL_CONFIRMATION_CHECKED',
      orders: [readOrder(501, 'workflow_finish'), readOrder(502, 'workflow_finish')],
    });
    expect(d.state).toBe('configExecuting.awaitingConfirmation');
    d = decide(d.next, { type: 'CONFIG_CONFIRMED', by: 'ops' });
    d = decide(d.next, {
      type: 'DEPLOY_TARGETS_FOUND',
      service: 'a18/cc_merchant_console',
      targets: [{ id: 12, name: 'UAT_a18_console' }],
    });
    d = decide(d.next, {
      type: 'DEPLOYS_REPORTED',
      deploys: [
        { service: 'a18/cc_merchant_console', targetId: 12, attempt: 1, outcome: 'started', taskId: 't1' },
      ],
    });
    d = decide(d.next, {
      type: 'DEPLOY_TASKS_POLLED',
      tasks: [
        { service: 'a18/cc_merchant_console', targetId: 12, attempt: 1, status: 'success', message: null },
      ],
    });
    expect(d.state).toBe('uatComplete');

    d = decide(d.next, { type: 'NEW_ITERATION', request: republish('950'), by: 'release-system' });
    expect(d.state).toBe('sqlPending.fetchingSql');
    const reads = d.effects.flatMap((e) => (e.type === 'sql.fetch' ? [e.ref] : []));
    expect(reads).toEqual([`${path}/02.acc_dml.sql@950`]);
    d = decide(d.next, { type: 'SQL_TEXT_FETCHED', ref: reads[0]!, text: textOf(files[reads[0]!]!) });
    expect(d.context.plan.sql.map((e) => `${e.item.sqlId} ${e.decision} ${e.reason}`)).toEqual([
      'a18-77-01 skip already applied',
      'a18-77-02 run content changed',
    ]);
    // Where the changed order goes in Archery is read before it is submitted.
    expect(d.state).toBe('sqlPending.resolvingRoutes');
    d = decide(d.next, { type: 'SQL_ROUTES_RESOLVED', routes: [{ sqlId: 'a18-77-02', dbName: 'acc' }] });
    d = passCheck(d);
    expect(d.effects.flatMap((e) => (e.type === 'archery.submitOrder' ? [e.order.sql] : []))).toEqual([
      'UPDATE member SET level = 2;',
    ]);
    expect(d.context.plan.code.map((e) => e.decision)).toEqual(['skip']);
  });
});

describe('the other stages', () => {
  it('UAT UPGRADED: uatComplete with everything applied; publishing the same again runs nothing', () => {
    const { release } = imported('UAT UPGRADED');
    expect(release.state).toBe('uatComplete');
    expect(release.context.applied.code['a18/cc_merchant_console']).toEqual({
      svnVersion: '1501',
      tag: 'V1',
      iteration: 1,
    });
    const d = decide(release.persisted, {
      type: 'NEW_ITERATION',
      request: republish('900'),
      by: 'release-system',
    });
    expect(d.effects.some((e) => e.type === 'sql.fetch' || e.type === 'archery.submitOrder')).toBe(false);
    expect(d.state).toBe('uatComplete');
  });

  it('SQL PENDING: starts as a new release; the finished order is not submitted again', () => {
    const { release } = imported('SQL PENDING', settings({ policyGate: false }), [finishedOrders[0]!]);
    expect(release.state).toBe('sqlPending.resolvingRoutes');
    expect(summarize(release.effects)).toEqual(['jira.ensureIssue', 'archery.resolveRoutes']);
    const routes = release.effects.find((e) => e.type === 'archery.resolveRoutes');
    expect(routes?.type === 'archery.resolveRoutes' && routes.routes.map((r) => r.sqlId)).toEqual([
      'a18-77-02',
    ]);
    const d = passCheck(
      decide(release.persisted, {
        type: 'SQL_ROUTES_RESOLVED',
        routes: [{ sqlId: 'a18-77-02', dbName: 'acc' }],
      }),
    );
    expect(d.state).toBe('sqlPending.submitting');
    expect(summarize(d.effects)).toEqual(['archery.submitOrder a18-77-02']);
    expect(release.context.plan.sql.map((e) => e.decision)).toEqual(['skip', 'run']);
  });

  it('SQL PROCESSING FAILED: sqlPending.failed with the failed order; 150 in the legacy answer', () => {
    const failedOrder = { ...finishedOrders[1]!, w_status: 'workflow_exception' };
    const { release } = imported('SQL PROCESSING FAILED', settings({ policyGate: false }), [
      finishedOrders[0]!,
      failedOrder,
    ]);
    expect(release.state).toBe('sqlPending.failed');
    expect(release.context.failure?.reason).toContain('imported from jiracdflow');
    expect(legacyUpgradeStatus(release)).toBe(150);
    expect(Object.keys(release.context.applied.sql)).toEqual(['a18-77-01']);
  });

  it('CODE PROCESSING FAILED: fixing after a code failure (151), the code it kept counts as deployed', () => {
    const { release } = imported('CODE PROCESSING FAILED');
    expect(release.state).toBe('fixing');
    expect(legacyUpgradeStatus(release)).toBe(151);
    expect(Object.keys(release.context.applied.code)).toEqual(['a18/cc_merchant_console']);
    expect(Object.keys(release.context.applied.config)).toEqual(['nginx/a18.conf']);
  });

  it('an order that ran an older revision counts with the hash of the file it ran', () => {
    const exported = parseJiracdflowExport({
      jira_workflow: [
        issueRow('SQL执行中', {
          sql_info: [{ sql_id: 'a18-77-02', svn_path: path, svn_file: '02.acc_dml.sql', svn_version: '950' }],
        }),
      ],
      sql_workflow: [{ ...finishedOrders[1]!, sql_release_info: 900 }],
    });
    const plan = planJiracdflowImport(exported.jira_workflow[0]!, exported.sql_workflow, { normalize });
    if (plan.kind !== 'release') throw new Error('skipped');
    expect(plan.files.map((f) => f.ref).sort()).toEqual([
      `${path}/02.acc_dml.sql@900`,
      `${path}/02.acc_dml.sql@950`,
    ]);
  });
});
