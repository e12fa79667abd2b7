/**
 * Model-based test: enumerate the shortest path to every distinct state with xstate/graph (effect results and person events
 * included), replay each through startRelease/decide, and check the machine's promises on every step.
 * The machine invokes no actors, so there are no xstate.done.actor events to list.
 */

import { describe, expect, it } from 'vitest';
import { getShortestPaths } from 'xstate/graph';
import {
  approvalsComplete,
  currentApprovalStep,
  type Decision,
  decide,
  defaultProdSettings,
  describeRelease,
  isOrderDoneForTest,
  isOrderFailedForTest,
  type NormalizedRequest,
  type ReleaseContext,
  type ReleaseEvent,
  type ReleaseSettings,
  releaseMachine,
  startRelease,
} from './model-support.js';
import { normalizedFixture, settings } from './release-driver.js';

const request: NormalizedRequest = normalizedFixture('first-upgrade.json', (b) => {
  (b.code_info as unknown[]).splice(1);
});
const fixed: NormalizedRequest = normalizedFixture('first-upgrade.json', (b) => {
  (b.code_info as unknown[]).splice(1);
  (b.sql_info as Array<Record<string, unknown>>)[0]!.sql_content =
    'ALTER TABLE store ADD COLUMN city varchar(80);';
});

type Snap = { value: unknown; context: ReleaseContext };

/** The production variant's request (the same content, env PRO) and its change window (22:00–23:00 UTC). */
const requestPro: NormalizedRequest = { ...request, env: 'PRO' };
const fixedPro: NormalizedRequest = { ...fixed, env: 'PRO' };
const prodWindows = [{ cron: '0 22 * * *', durationMinutes: 60, timeZone: 'UTC' }];
const windowOpen = Date.parse('2026-03-02T22:30:00Z');
const windowClosed = Date.parse('2026-03-02T12:00:00Z');

/** The events that can happen in a state: people, the release system, and every outcome of pending effects. */
function eventsFor(snapshot: Snap): ReleaseEvent[] {
  const c = snapshot.context;
  const state = JSON.stringify(snapshot.value);
  const events: ReleaseEvent[] = [];
  const by = 'someone';
  if (state.includes('awaitingPolicy')) {
    events.push({ type: 'POLICY_CHECKED', findings: [] });
    events.push({
      type: 'POLICY_CHECKED',
      findings: [
        { ruleId: 'DF-V002', severity: 'error', location: 'version', message: 'backwards', suggestion: '' },
      ],
    });
  }
  if (state.includes('checkingSql')) {
    const pending = c.sqlOrders.filter((o) => o.status === 'pending');
    const checked = (errors: string[]) => ({
      type: 'SQL_CHECKED' as const,
      items: pending.map((o, i) => ({
        sqlId: o.sqlId,
        hash: o.hash,
        errors: i === pending.length - 1 ? errors.map((message) => ({ statement: '', message })) : [],
        warnings: [],
      })),
    });
    events.push(checked([]), checked(["Table 'acc.store' doesn't exist."]));
  }
  const submitting = c.sqlOrders.find((o) => o.status === 'submitting');
  if (submitting) {
    const id = 10 * c.iteration + submitting.seq;
    const item = c.request.sql.find((i) => i.sqlId === submitting.sqlId);
    const target = { hash: submitting.hash, instance: item?.instance, dbName: submitting.dbName };
    events.push({
      type: 'SQL_ORDER_SUBMITTED',
      sqlId: submitting.sqlId,
      workflowId: id,
      status: 'workflow_manreviewing',
      ...target,
    });
    events.push({
      type: 'SQL_ORDER_SUBMITTED',
      sqlId: submitting.sqlId,
      workflowId: id,
      status: 'workflow_autoreviewwrong',
      ...target,
    });
    // The late answer of a submission an iteration superseded (other content): never bound.
    events.push({
      type: 'SQL_ORDER_SUBMITTED',
      sqlId: submitting.sqlId,
      workflowId: 90 + id,
      status: 'workflow_manreviewing',
      ...target,
      hash: 'superseded',
    });
    events.push({
      type: 'SQL_SUBMIT_FAILED',
      sqlId: submitting.sqlId,
      reason: 'Archery down',
      hash: submitting.hash,
    });
  }
  if (state.includes('resolvingRoutes')) {
    const pending = c.sqlOrders.filter((o) => o.status === 'pending' && o.dbName === undefined);
    events.push({
      type: 'SQL_ROUTES_RESOLVED',
      routes: pending.map((o) => ({ sqlId: o.sqlId, dbName: 'acc' })),
    });
    events.push({
      type: 'SQL_ROUTES_FAILED',
      failures: pending.map((o) => ({
        sqlId: o.sqlId,
        instance: 'acc',
        group: 'A18',
        reason: 'no such instance',
      })),
    });
  }
  if (state.includes('sqlPending')) {
    events.push({ type: 'RETRY_SQL_SUBMIT', by });
    if (c.iteration < 2) events.push({ type: 'NEW_ITERATION', request: fixed, by: 'release-system' });
  }
  if (state.includes('confirming')) {
    const ids = c.sqlOrders.map((o) => o.workflowId ?? 0);
    const read = (last: 'workflow_finish' | 'workflow_exception' | 'workflow_review_pass') => ({
      type: 'SQL_CONFIRMATION_CHECKED' as const,
      orders: ids.map((workflowId, i) => ({
        workflowId,
        status: i === ids.length - 1 ? last : ('workflow_finish' as const),
        error: null,
      })),
    });
    events.push(read('workflow_finish'), read('workflow_review_pass'), read('workflow_exception'));
    events.push({ type: 'SQL_CONFIRMATION_CHECKED', orders: [], readError: 'Archery answered 502' });
  }
  if (state.includes('sqlExecuting')) {
    events.push({ type: 'SQL_CONFIRMED', by }, { type: 'SQL_REPORTED_FAILED', by });
    const reviewing = c.sqlOrders.find((o) => o.executeRequested && o.auditRefused === undefined);
    if (reviewing?.workflowId != null) {
      events.push({
        type: 'SQL_AUDIT_REFUSED',
        workflowId: reviewing.workflowId,
        sqlId: reviewing.sqlId,
        reason: '操作失败, 当前配置禁止本人审核自己的工单',
      });
    }
    events.push({ type: 'TIMER_FIRED', timer: 'archery.poll' });
    const ids = c.sqlOrders.map((o) => o.workflowId ?? 0);
    const with_ = (statuses: Array<'workflow_finish' | 'workflow_exception' | 'workflow_review_pass'>) => ({
      type: 'SQL_ORDERS_POLLED' as const,
      orders: ids.map((workflowId, i) => ({
        workflowId,
        status: statuses[i] ?? 'workflow_finish',
        error: null,
      })),
    });
    events.push(with_(ids.map(() => 'workflow_finish')));
    events.push(with_(['workflow_exception', 'workflow_finish']));
    events.push(with_(['workflow_finish', 'workflow_review_pass']));
    // Refused mid-stage (rule 7): part of the model so the refusal is exercised on every path here.
    events.push({ type: 'NEW_ITERATION', request: fixed, by: 'release-system' });
  }
  if (state.includes('configExecuting')) {
    events.push({ type: 'CONFIG_CONFIRMED', by }, { type: 'CONFIG_REPORTED_FAILED', by });
    events.push({ type: 'CONFIG_APPLIED' }, { type: 'CONFIG_APPLY_FAILED', reason: 'apollo 500' });
  }
  if (state.includes('codeExecuting')) {
    for (const t of ['deploy.delay', 'cmdb.poll', 'deploy.timeout', 'deploy.retry'] as const)
      events.push({ type: 'TIMER_FIRED', timer: t });
    for (const d of c.deployments) {
      if (d.targets === null) {
        events.push({
          type: 'DEPLOY_TARGETS_FOUND',
          service: d.service,
          targets: [{ id: 12, name: 'UAT_x' }],
        });
        events.push({ type: 'DEPLOY_TARGETS_FOUND', service: d.service, targets: [] });
        events.push({ type: 'DEPLOY_FAILED', service: d.service, reason: 'cmdb 403' });
      }
      for (const t of d.targets ?? []) {
        const at = { service: d.service, targetId: t.id, attempt: t.attempt };
        if (t.status === 'sending') {
          events.push({
            type: 'DEPLOYS_REPORTED',
            deploys: [{ ...at, outcome: 'started', taskId: `t${t.attempt}` }],
          });
          events.push({
            type: 'DEPLOYS_REPORTED',
            deploys: [{ ...at, outcome: 'success', message: '成功' }],
          });
          events.push({ type: 'DEPLOYS_REPORTED', deploys: [{ ...at, outcome: 'failed', message: '失败' }] });
          events.push({ type: 'DEPLOYS_REPORTED', deploys: [{ ...at, outcome: 'queued', message: 'busy' }] });
        }
        if (t.status === 'started' || t.status === 'running') {
          for (const status of ['success', 'failed', 'running'] as const) {
            events.push({ type: 'DEPLOY_TASKS_POLLED', tasks: [{ ...at, status, message: null }] });
          }
        }
      }
    }
  }
  if (state.includes('fixing')) {
    events.push({ type: 'RESUBMIT_CONFIG', by }, { type: 'RESUBMIT_CODE', by });
    // Iterations are bounded so the state space is finite.
    if (c.iteration < 2)
      events.push(
        { type: 'RESUBMIT_ITERATION', by },
        { type: 'NEW_ITERATION', request: fixed, by: 'release-system' },
      );
  }
  if (state.includes('prodApproval')) {
    const step = currentApprovalStep(c);
    if (step) {
      events.push({
        type: 'PROD_APPROVED',
        by: `approver-${step.key}`,
        via: 'api',
        groups: [step.group],
        acknowledgeDifferences: true,
      });
      // Someone outside the step's group, in Jira: refused there (comment, issue moved back).
      events.push({ type: 'PROD_APPROVED', by: 'dev1', via: 'jira', groups: ['developers'] });
      events.push({
        type: 'PROD_REJECTED',
        by: 'sa1',
        via: 'api',
        groups: ['sa'],
        reason: 'no rollback plan',
      });
    }
    if (c.iteration < 2) events.push({ type: 'NEW_ITERATION', request: fixedPro, by: 'release-system' });
  }
  if (state.includes('checkingWindow')) {
    events.push({ type: 'CHANGE_WINDOW_CHECKED', now: windowClosed });
    events.push({ type: 'CHANGE_WINDOW_CHECKED', now: windowOpen });
  }
  if (state.includes('waitingForWindow')) events.push({ type: 'TIMER_FIRED', timer: 'prod.window' });
  if (state.includes('prodComplete')) events.push({ type: 'FINISH', by });
  if (state.includes('uatComplete')) {
    events.push({ type: 'PROMOTE_TO_PROD', by }, { type: 'FINISH', by });
    if (c.iteration < 2) {
      events.push({ type: 'UAT_AUTO_ITERATION', by }, { type: 'UAT_MANUAL_ITERATION', by });
      events.push({ type: 'NEW_ITERATION', request: fixed, by: 'release-system' });
    }
  }
  events.push({ type: 'ISSUE_READY', issueKey: 'AC-1', created: true });
  events.push({ type: 'EFFECT_FAILED', effectType: 'jira.moveTo', idempotencyKey: 'k', reason: '503' });
  events.push({ type: 'EFFECT_RETRY_REQUESTED', effectType: 'jira.moveTo', idempotencyKey: 'k', by });
  return events;
}

/** What distinguishes two states for the traversal (the rest of the context follows from it). */
function serialize(snapshot: Snap): string {
  const c = snapshot.context;
  return JSON.stringify([
    snapshot.value,
    c.iteration,
    c.sqlOrders.map((o) => [
      o.status,
      o.confirmedBy !== null,
      o.executeRequested === true,
      o.auditRefused !== undefined,
    ]),
    c.deployments.map((d) => [d.status, (d.targets ?? []).map((t) => [t.status, t.attempt])]),
    [...c.timers].sort(),
    Object.keys(c.applied.sql).length,
    Object.keys(c.applied.code).length,
    c.issueKey !== null,
    c.failure?.stage ?? null,
    c.prod?.approvals.length ?? null,
    c.prod?.window?.open ?? null,
  ]);
}

const prodSettings = { ...defaultProdSettings(), changeWindows: prodWindows };
const variants: Array<[string, ReleaseSettings, 'UAT' | 'PRO']> = [
  ['manual', settings({ sqlMode: 'manual' }), 'UAT'],
  ['watch', settings({ sqlMode: 'watch', deployRetries: 1 }), 'UAT'],
  [
    'auto',
    settings({ sqlMode: 'auto', apolloAutomatic: true, preDeployDelayMs: 1000, deployRetries: 0 }),
    'UAT',
  ],
  // Production, asked for auto: cdflow runs it as watch and never executes SQL there.
  ['prod', settings({ sqlMode: 'auto', deployRetries: 0, prod: prodSettings }), 'PRO'],
];
const prodStart = {
  origin: 'promotion' as const,
  uatReleaseId: 'rel-u',
  uatApplied: null,
  publishedBy: 'tester1',
};

const failedTerms = new Set([
  'workflow_exception',
  'workflow_abort',
  'workflow_autoreviewwrong',
  'submit_failed',
]);
const stateOf = (d: Decision) => d.state.split('.')[0]!;

describe('the release machine, path by path', () => {
  // Thousands of paths replayed through decide: slow on a shared machine, hence the generous bound.
  it('keeps its promises on every enumerated path', () => {
    const reached = new Set<string>();
    let checked = 0;
    for (const [, s, env] of variants) {
      const pro = env === 'PRO';
      const first = startRelease({
        releaseId: 'rel-m',
        request: pro ? requestPro : request,
        settings: s,
        ...(pro ? { prod: prodStart } : {}),
      });
      const input = {
        releaseId: 'rel-m',
        request: pro ? requestPro : request,
        settings: first.context.settings,
        applied: { sql: {}, apollo: {}, config: {}, code: {} },
        previousVersion: null,
        ...(first.context.prod ? { prod: first.context.prod } : {}),
      };
      const paths = getShortestPaths(releaseMachine, {
        input,
        events: (snapshot) => eventsFor(snapshot as unknown as Snap),
        serializeState: (snapshot) => serialize(snapshot as unknown as Snap),
        limit: 200_000,
      });
      for (const path of paths) {
        checked++;
        let d = first;
        const trace: Decision[] = [d];
        for (const step of path.steps) {
          if (step.event.type.startsWith('xstate.')) continue;
          d = decide(d.next, step.event as ReleaseEvent);
          trace.push(d);
        }
        let failedIteration: number | null = null;
        // The machine's new promises, step by step: a refused SQL升级成功 applies nothing that did not run
        // and stays in SQL; a superseded submission is never bound; a retried effect leaves the list.
        let before = trace[0]!;
        for (const [i, step] of path.steps.filter((x) => !x.event.type.startsWith('xstate.')).entries()) {
          const after = trace[i + 1]!;
          const event = step.event as ReleaseEvent;
          if (event.type === 'SQL_CONFIRMATION_CHECKED' && after.accepted) {
            const unfinished = event.orders.some((o) => o.status !== 'workflow_finish') || event.readError;
            if (unfinished) {
              expect(stateOf(after)).not.toBe('configExecuting');
              for (const o of event.orders.filter((x) => x.status !== 'workflow_finish')) {
                const order = after.context.sqlOrders.find((x) => x.workflowId === o.workflowId);
                // (An order the machine had already seen finished stays applied: Archery's finish is final.)
                const known = before.context.applied.sql[order?.sqlId ?? '']?.workflowId === o.workflowId;
                if (order && !known)
                  expect(after.context.applied.sql[order.sqlId]?.workflowId).not.toBe(o.workflowId);
              }
            }
          }
          if (event.type === 'SQL_ORDER_SUBMITTED' && event.hash === 'superseded') {
            expect(after.context.sqlOrders.some((o) => o.workflowId === event.workflowId)).toBe(false);
          }
          if (event.type === 'EFFECT_RETRY_REQUESTED' && after.accepted) {
            expect((after.context.failedEffects ?? []).some((f) => f.idempotencyKey === 'k')).toBe(false);
            expect(after.effects).toEqual([]);
          }
          if (describeRelease(before.next).final && event.type === 'NEW_ITERATION') {
            expect(after.refusal?.kind).toBe('final');
          }
          before = after;
        }
        for (const t of trace) {
          const top = stateOf(t);
          reached.add(t.state.startsWith('sqlPending.failed') ? 'sqlPending.failed' : top);
          // Every effect has a deterministic idempotency key.
          for (const e of t.effects) expect(e.idempotencyKey).toMatch(/^rel-m:/);
          // Only closed, prodUpgrade and prodRejected are final.
          expect(describeRelease(t.next).final).toBe(
            top === 'closed' || top === 'prodUpgrade' || top === 'prodRejected',
          );
          if (pro) {
            // Production: cdflow never executes SQL; nothing is routed, submitted or deployed before every
            // approval; a deploy starts only inside a change window; it never ends in UAT's states.
            const types = t.effects.map((e) => e.type);
            expect(types).not.toContain('archery.executeOrder');
            if (
              types.some(
                (x) => x === 'archery.submitOrder' || x === 'archery.resolveRoutes' || x === 'cmdb.deploy',
              )
            )
              expect(approvalsComplete(t.context)).toBe(true);
            if (types.includes('cmdb.deploy')) expect(t.context.prod?.window?.open).toBe(true);
            expect(['uatComplete', 'prodUpgrade']).not.toContain(top);
          } else {
            expect(['prodApproval', 'prodComplete', 'prodRejected']).not.toContain(top);
          }
          // uatComplete is never reached with a failed or unconfirmed SQL order in the plan.
          if (top === 'uatComplete' || top === 'prodComplete') {
            expect(t.context.sqlOrders.every((o) => isOrderDoneForTest(o) && !isOrderFailedForTest(o))).toBe(
              true,
            );
            for (const entry of t.context.plan.sql) {
              if (entry.decision === 'run')
                expect(t.context.applied.sql[entry.item.sqlId]?.hash).toBe(entry.item.hash);
            }
          }
          // A failed SQL order never reaches config or code without a new iteration.
          if (t.context.sqlOrders.some((o) => failedTerms.has(o.status)))
            failedIteration = t.context.iteration;
          if ((top === 'configExecuting' || top === 'codeExecuting') && failedIteration !== null) {
            expect(t.context.iteration).toBeGreaterThan(failedIteration);
          }
        }
        // The path's end state is the state decide reached.
        expect(d.state.split('.')[0]).toBe(
          typeof path.state.value === 'string' ? path.state.value : Object.keys(path.state.value)[0],
        );
      }
    }
    console.log(`release machine: ${checked} paths checked across ${variants.length} settings variants`);
    expect([...reached].sort()).toEqual(
      [
        'closed',
        'codeExecuting',
        'configExecuting',
        'fixing',
        'prodApproval',
        'prodComplete',
        'prodRejected',
        'prodUpgrade',
        'sqlExecuting',
        'sqlPending',
        'sqlPending.failed',
        'uatComplete',
      ].sort(),
    );
    expect(checked).toBeGreaterThan(100);
  }, 120_000);

  it('only closed, prodUpgrade and prodRejected are final states of the machine', () => {
    const finals = Object.entries(releaseMachine.root.states)
      .filter(([, node]) => node.type === 'final')
      .map(([key]) => key);
    expect(finals.sort()).toEqual(['closed', 'prodRejected', 'prodUpgrade']);
  });
});
