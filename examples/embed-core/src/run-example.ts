/**
 * Embedding @cdflow/core: validate and normalise a release request, plan it, then walk the release
 * through `decide` with scripted events (effect results and people's decisions), printing every state
 * and every effect. No Jira, Archery or CMDB is called: the script plays the host's effect runner.
 */
import {
  type Decision,
  decide,
  defaultReleaseSettings,
  emptyAppliedState,
  normalizeReleaseRequest,
  planRelease,
  type ReleaseEffect,
  type ReleaseEvent,
  startRelease,
  validateReleaseRequest,
} from '@cdflow/core';

export const exampleRequest = {
  project: 'A18',
  summary: '【A18】【升级】20261201_01',
  env: 'UAT',
  issue_type: '升级',
  upgrade_type: '日常版本需求',
  function_list: ['【A18】订单导出'],
  version: '1.2.0',
  sql_info: [
    {
      sql_id: 'a18-20261201-01',
      svn_path: 'database_acc/db_a18/acc',
      svn_file: '01.acc_ddl_store.sql',
      svn_version: '2301',
      sql_content: 'ALTER TABLE store ADD COLUMN city varchar(64);',
    },
  ],
  apollo_info: [
    { app_id: 'a18-console', namespace: 'application', key: 'order.export.enabled', value: 'true' },
  ],
  config_info: [],
  code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1105', tag: '' }],
};

function describeEffect(effect: ReleaseEffect): string {
  switch (effect.type) {
    case 'jira.moveTo':
      return `jira.moveTo ${effect.state} (via ${effect.via})`;
    case 'archery.submitOrder':
      return `archery.submitOrder #${effect.order.seq} ${effect.order.sqlId} -> ${effect.order.instance}/${effect.order.dbName}`;
    case 'cmdb.deploy':
      return `cmdb.deploy ${effect.deploys
        .map((d) => `${d.service}@${d.svnVersion} to ${d.target.name} attempt ${d.attempt}`)
        .join(', ')}`;
    case 'timer.schedule':
      return `timer.schedule ${effect.timer} in ${effect.delayMs} ms`;
    default:
      return effect.type;
  }
}

/** Runs the scripted release and returns the printed lines (also written through `print`). */
export function runExample(print: (line: string) => void = console.log): string[] {
  const lines: string[] = [];
  const out = (line: string) => {
    lines.push(line);
    print(line);
  };

  const validation = validateReleaseRequest(exampleRequest);
  if (!validation.ok) throw new Error(`invalid request: ${JSON.stringify(validation.errors)}`);
  const request = normalizeReleaseRequest(validation.value);
  const plan = planRelease(emptyAppliedState(), request);
  out('plan:');
  for (const [section, entries] of Object.entries(plan)) {
    for (const e of entries as Array<{ decision: string; reason: string }>)
      out(`  ${section}: ${e.decision} (${e.reason})`);
  }

  const show = (label: string, d: Decision) => {
    out(`${label} -> state ${d.state}${d.accepted ? '' : ` (refused: ${d.refusal?.message})`}`);
    for (const effect of d.effects) out(`    effect ${describeEffect(effect)}  [${effect.idempotencyKey}]`);
  };

  let d = startRelease({
    releaseId: 'example-1',
    request,
    settings: { ...defaultReleaseSettings, sqlMode: 'manual' },
  });
  show('start', d);
  // An event may be built from the last decision, as a host answers the effect it was given.
  const script: Array<ReleaseEvent | ((last: Decision) => ReleaseEvent)> = [
    { type: 'ISSUE_READY', issueKey: 'AC-101', created: true },
    { type: 'POLICY_CHECKED', findings: [] },
    // The host read the instance's database from Archery.
    { type: 'SQL_ROUTES_RESOLVED', routes: [{ sqlId: 'a18-20261201-01', dbName: 'acc' }] },
    // Archery's own check (sqlcheck) of each item found nothing wrong.
    (last) => {
      const check = last.effects.find((e) => e.type === 'archery.checkSql');
      if (check?.type !== 'archery.checkSql') throw new Error('expected archery.checkSql');
      return {
        type: 'SQL_CHECKED',
        items: check.items.map((i) => ({ sqlId: i.sqlId, hash: i.hash, errors: [], warnings: [] })),
      };
    },
    {
      type: 'SQL_ORDER_SUBMITTED',
      sqlId: 'a18-20261201-01',
      workflowId: 501,
      status: 'workflow_manreviewing',
    },
    { type: 'NEW_ITERATION', request, by: 'release-system' },
    { type: 'SQL_CONFIRMED', by: 'dba.li' },
    // The DBA's confirmation stands on a fresh read of Archery: the order finished.
    {
      type: 'SQL_CONFIRMATION_CHECKED',
      orders: [{ workflowId: 501, status: 'workflow_finish', error: null }],
    },
    { type: 'CONFIG_CONFIRMED', by: 'ops.wang' },
    // The CMDB has one target for the console; its deploy starts a task, polled until it ends.
    {
      type: 'DEPLOY_TARGETS_FOUND',
      service: 'a18/cc_merchant_console',
      targets: [{ id: 12, name: 'UAT_a18_console' }],
    },
    {
      type: 'DEPLOYS_REPORTED',
      deploys: [
        {
          service: 'a18/cc_merchant_console',
          targetId: 12,
          attempt: 1,
          outcome: 'started',
          taskId: 'task-9',
        },
      ],
    },
    { type: 'TIMER_FIRED', timer: 'cmdb.poll' },
    {
      type: 'DEPLOY_TASKS_POLLED',
      tasks: [
        { service: 'a18/cc_merchant_console', targetId: 12, attempt: 1, status: 'success', message: null },
      ],
    },
  ];
  for (const step of script) {
    const event = typeof step === 'function' ? step(d) : step;
    d = decide(d.next, event);
    show(event.type, d);
  }
  return lines;
}
