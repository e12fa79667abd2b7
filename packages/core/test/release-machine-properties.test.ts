import {
  type Decision,
  decide,
  describeRelease,
  personEventTypes,
  type ReleaseEvent,
  startRelease,
} from '@cdflow/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizedFixture, settings } from './release-driver.js';

const request = normalizedFixture('first-upgrade.json');
const services = request.code.map((c) => c.service);
const sqlIds = request.sql.map((s) => s.sqlId);
const by = fc.constantFrom('dba', 'ops', 'pm');
const archery = fc.constantFrom(
  'workflow_finish',
  'workflow_abort',
  'workflow_manreviewing',
  'workflow_review_pass',
  'workflow_executing',
  'workflow_autoreviewwrong',
  'workflow_exception',
) as fc.Arbitrary<'workflow_finish'>;

const event: fc.Arbitrary<ReleaseEvent> = fc.oneof(
  fc.constantFrom(...personEventTypes).chain((type) => by.map((who) => ({ type, by: who }) as ReleaseEvent)),
  fc.constant<ReleaseEvent>({ type: 'NEW_ITERATION', request, by: 'release-system' }),
  fc.constant<ReleaseEvent>({ type: 'POLICY_CHECKED', findings: [] }),
  fc
    .record({
      sqlId: fc.constantFrom(...sqlIds),
      workflowId: fc.integer({ min: 1, max: 3 }),
      status: archery,
    })
    .map((e) => ({ type: 'SQL_ORDER_SUBMITTED', ...e }) as ReleaseEvent),
  fc
    .constantFrom(...sqlIds)
    .map((sqlId) => ({ type: 'SQL_SUBMIT_FAILED', sqlId, reason: 'down' }) as ReleaseEvent),
  fc
    .array(
      fc.record({ workflowId: fc.integer({ min: 1, max: 3 }), status: archery, error: fc.constant(null) }),
      { maxLength: 3 },
    )
    .map((orders) => ({ type: 'SQL_ORDERS_POLLED', orders }) as ReleaseEvent),
  fc
    .constantFrom('archery.poll', 'cmdb.poll', 'deploy.timeout', 'deploy.delay', 'deploy.retry')
    .map((timer) => ({ type: 'TIMER_FIRED', timer }) as ReleaseEvent),
  fc.record({ service: fc.constantFrom(...services), found: fc.boolean() }).map(
    (e) =>
      ({
        type: 'DEPLOY_TARGETS_FOUND',
        service: e.service,
        targets: e.found ? [{ id: 12, name: 'UAT_x' }] : [],
      }) as ReleaseEvent,
  ),
  fc
    .constantFrom(...services)
    .map((service) => ({ type: 'DEPLOY_FAILED', service, reason: 'x' }) as ReleaseEvent),
  fc
    .record({
      service: fc.constantFrom(...services),
      attempt: fc.integer({ min: 1, max: 3 }),
      outcome: fc.constantFrom('started', 'success', 'failed', 'queued'),
    })
    .map(
      (e) =>
        ({
          type: 'DEPLOYS_REPORTED',
          deploys: [
            e.outcome === 'started'
              ? {
                  service: e.service,
                  targetId: 12,
                  attempt: e.attempt,
                  outcome: 'started',
                  taskId: `t-${e.attempt}`,
                }
              : { service: e.service, targetId: 12, attempt: e.attempt, outcome: e.outcome, message: 'x' },
          ],
        }) as ReleaseEvent,
    ),
  fc
    .record({
      service: fc.constantFrom(...services),
      attempt: fc.integer({ min: 1, max: 3 }),
      status: fc.constantFrom('pending', 'running', 'success', 'failed') as fc.Arbitrary<'success'>,
    })
    .map(
      (t) =>
        ({ type: 'DEPLOY_TASKS_POLLED', tasks: [{ ...t, targetId: 12, message: null }] }) as ReleaseEvent,
    ),
  fc.constant<ReleaseEvent>({
    type: 'SQL_ROUTES_RESOLVED',
    routes: sqlIds.map((sqlId) => ({ sqlId, dbName: 'acc' })),
  }),
  fc.constant<ReleaseEvent>({
    type: 'SQL_ROUTES_FAILED',
    failures: [{ sqlId: sqlIds[0]!, instance: 'acc', group: 'A18', reason: 'none' }],
  }),
  fc.constantFrom<ReleaseEvent>({ type: 'CONFIG_APPLIED' }, { type: 'CONFIG_APPLY_FAILED', reason: 'x' }),
  fc.constant<ReleaseEvent>({ type: 'ISSUE_READY', issueKey: 'AC-9', created: false }),
);

const sqlMode = fc.constantFrom('manual', 'watch', 'auto') as fc.Arbitrary<'manual'>;

describe('random event sequences keep the invariants', () => {
  it('holds for any sequence in any mode', () => {
    fc.assert(
      fc.property(
        sqlMode,
        fc.boolean(),
        fc.array(event, { maxLength: 40 }),
        (mode, apolloAutomatic, events) => {
          let d: Decision = startRelease({
            releaseId: 'rel-p',
            request,
            settings: settings({ sqlMode: mode, apolloAutomatic }),
          });
          let failedIteration: number | null = null;
          for (const e of events) {
            const before = d;
            d = decide(d.next, e);
            if (!d.accepted) {
              // A refusal changes nothing and says why.
              expect(d.next).toBe(before.next);
              expect(d.effects).toEqual([]);
              expect(d.refusal?.message.length).toBeGreaterThan(0);
              continue;
            }
            const top = d.state.split('.')[0]!;
            const keys = d.effects.map((x) => x.idempotencyKey);
            expect(new Set(keys).size).toBe(keys.length);
            expect(d.context.revision).toBe(before.context.revision + 1);
            if (
              d.context.sqlOrders.some((o) =>
                [
                  'workflow_exception',
                  'workflow_abort',
                  'workflow_autoreviewwrong',
                  'submit_failed',
                ].includes(o.status),
              )
            ) {
              failedIteration = d.context.iteration;
            }
            if (
              (top === 'configExecuting' || top === 'codeExecuting' || top === 'uatComplete') &&
              failedIteration !== null
            ) {
              expect(d.context.iteration).toBeGreaterThan(failedIteration);
            }
            if (top === 'uatComplete') {
              expect(
                d.context.sqlOrders.every((o) => o.status === 'workflow_finish' || o.confirmedBy !== null),
              ).toBe(true);
            }
            expect(describeRelease(d.next).state).toBe(d.state);
            expect(JSON.parse(JSON.stringify(d.next))).toEqual(d.next);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
