/**
 * A sample release walked through core's `decide` with scripted events (what Jira, Archery, the CMDB
 * and people would answer), each decision sent to a Stately inspector exactly as a live cdflow sends
 * its committed decisions (@cdflow/server's `inspectDecision`).
 */
import {
  type Decision,
  decide,
  defaultReleaseSettings,
  normalizeReleaseRequest,
  type ReleaseEvent,
  startRelease,
  validateReleaseRequest,
} from '@cdflow/core';
import { inspectDecision, type StatelyInspector } from '@cdflow/server';

export const sampleRequest = {
  project: 'A18',
  summary: '【A18】【升级】20261201_inspect',
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
  apollo_info: [],
  config_info: [{ name: 'nginx/a18-console.conf', content: 'client_max_body_size 20m;' }],
  code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1105', tag: '' }],
};

/**
 * What the host would feed back, in order: effect results, the DBA's and ops' decisions, the deploy. An
 * entry may be built from the last decision, as a host answers the effect it was given.
 */
const script: Array<ReleaseEvent | ((last: Decision) => ReleaseEvent)> = [
  { type: 'ISSUE_READY', issueKey: 'AC-101', created: true },
  { type: 'POLICY_CHECKED', findings: [] },
  { type: 'SQL_ROUTES_RESOLVED', routes: [{ sqlId: 'a18-20261201-01', dbName: 'acc' }] },
  // Archery's own check (sqlcheck) of the item found nothing wrong.
  (last) => {
    const check = last.effects.find((e) => e.type === 'archery.checkSql');
    if (check?.type !== 'archery.checkSql') throw new Error('expected archery.checkSql');
    return {
      type: 'SQL_CHECKED',
      items: check.items.map((i) => ({ sqlId: i.sqlId, hash: i.hash, errors: [], warnings: [] })),
    };
  },
  { type: 'SQL_ORDER_SUBMITTED', sqlId: 'a18-20261201-01', workflowId: 501, status: 'workflow_manreviewing' },
  { type: 'SQL_CONFIRMED', by: 'dba1' },
  // The DBA's confirmation stands on a fresh read of Archery: the order finished.
  { type: 'SQL_CONFIRMATION_CHECKED', orders: [{ workflowId: 501, status: 'workflow_finish', error: null }] },
  { type: 'CONFIG_CONFIRMED', by: 'ops1' },
  {
    type: 'DEPLOY_TARGETS_FOUND',
    service: 'a18/cc_merchant_console',
    targets: [{ id: 12, name: 'UAT_a18_console' }],
  },
  {
    type: 'DEPLOYS_REPORTED',
    deploys: [
      { service: 'a18/cc_merchant_console', targetId: 12, attempt: 1, outcome: 'started', taskId: 'task-9' },
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

export interface WalkOptions {
  inspector: StatelyInspector;
  /** The release's id in the inspector (its session id). */
  releaseId?: string;
  /** Told after each decision: the event's type and the state reached. */
  step?: (event: string, state: string) => void;
  /** Pause between decisions, so a person can follow in the browser (ms). */
  pauseMs?: number;
}

/** Walk the sample release to uatComplete; returns the states it passed through. */
export async function walkSampleRelease(options: WalkOptions): Promise<string[]> {
  const validation = validateReleaseRequest(sampleRequest);
  if (!validation.ok) throw new Error(`the sample request is invalid: ${JSON.stringify(validation.errors)}`);
  const releaseId = options.releaseId ?? 'sample-release';
  const pause = () => new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 0));
  let decision: Decision = startRelease({
    releaseId,
    request: normalizeReleaseRequest(validation.value),
    settings: { ...defaultReleaseSettings, sqlMode: 'manual' },
  });
  const states = [decision.state];
  inspectDecision(options.inspector, { releaseId, event: null, decision, source: 'intake' }, true);
  options.step?.('xstate.init', decision.state);
  for (const step of script) {
    await pause();
    const event = typeof step === 'function' ? step(decision) : step;
    decision = decide(decision.next, event);
    states.push(decision.state);
    inspectDecision(options.inspector, { releaseId, event, decision }, false);
    options.step?.(event.type, decision.state);
  }
  return states;
}
