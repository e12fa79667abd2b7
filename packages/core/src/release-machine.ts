/**
 * The release machine (PRODUCT.md "Rules of the machine"), XState v5. It owns no clock and performs no
 * I/O: effects are actions declared by name (`jira.moveTo`, `archery.submitOrder`, ...) whose params
 * carry the effect's payload; `decide` turns them into typed `ReleaseEffect`s. Timers are
 * `timer.schedule` effects answered by `TIMER_FIRED` events, never `after` delays (lost on restore).
 */
import { and, assign, enqueueActions, setup } from 'xstate';
import { jiraIssueContent } from './jira-issue-content.js';
import type { JiraTransitionKey, ReleaseStateId } from './jira-workflow.js';
import { apolloItemKey, planRelease } from './plan-release.js';
import type { ReleaseEffect } from './release-effects.js';
import type { ReleaseEvent } from './release-events.js';
import {
  beginIteration,
  buildDeployments,
  deployFailureLines,
  deploymentFor,
  deployOutcome,
  failure,
  firstIterationContext,
  isOrderFailed,
  mergePolledOrders,
  nextOrderToExecute,
  nextPendingOrder,
  policyErrors,
  recordDeployFailed,
  recordDeployPolled,
  recordDeployStarted,
  recordSubmitFailed,
  recordSubmitted,
  resetUnsubmitted,
  runItems,
  sqlFailureLines,
  sqlItemOf,
  sqlOutcome,
  submittingOrder,
  timeOutDeployments,
  withAppliedCode,
  withAppliedSql,
} from './release-progress.js';
import type {
  AppliedState,
  NormalizedRequest,
  ReleaseContext,
  ReleaseFailure,
  ReleaseSettings,
} from './release-types.js';
import { archeryWorkOrderName } from './work-order-name.js';

/** Version of the machine's states and context; persisted with every snapshot. */
export const releaseMachineVersion = 1;

export interface ReleaseInput {
  releaseId: string;
  request: NormalizedRequest;
  settings: ReleaseSettings;
  applied: AppliedState;
  previousVersion: string | null;
}

type EffectOf<T extends ReleaseEffect['type']> = Extract<ReleaseEffect, { type: T }>;
/** An effect's payload as an action's params: the effect without its type and idempotency key. */
export type EffectParams<T extends ReleaseEffect['type']> = Omit<EffectOf<T>, 'type' | 'idempotencyKey'>;

/** Effects are declared, never implemented: the host's runner performs them after the decision commits. */
function declared<T extends ReleaseEffect['type']>(_type: T) {
  return (_args: unknown, _params: EffectParams<T>): void => undefined;
}

type EventOfType<T extends ReleaseEvent['type']> = Extract<ReleaseEvent, { type: T }>;
function eventAs<T extends ReleaseEvent['type']>(event: ReleaseEvent, type: T): EventOfType<T> {
  if (event.type !== type) throw new Error(`internal: expected ${type}, got ${event.type}`);
  return event as EventOfType<T>;
}

const sqlTimers = ['archery.poll'];

function timerDelay(context: ReleaseContext, timer: string): number {
  const s = context.settings;
  if (timer === 'archery.poll') return s.archeryPollMs;
  if (timer === 'cmdb.poll') return s.cmdbPollMs;
  if (timer === 'deploy.delay') return s.preDeployDelayMs;
  return s.deployTimeoutMs;
}
const codeTimers = ['deploy.delay', 'deploy.timeout', 'cmdb.poll'];

function effectStage(effectType: string): ReleaseFailure['stage'] {
  if (effectType.startsWith('archery.')) return 'sql';
  if (effectType.startsWith('cmdb.')) return 'code';
  if (effectType.startsWith('apollo.')) return 'config';
  if (effectType.startsWith('policy.')) return 'policy';
  return 'jira';
}

/** codeExecuting → fixing (代码升级失败) with the failures listed in a Jira comment (rule 5). */
const codeFailed = [
  'recordCodeApplied',
  'recordCodeFailure',
  ...moveJira('fixing', 'codeFailed'),
  {
    type: 'jira.comment',
    params: ({ context }: { context: ReleaseContext }) => ({
      body: `Code deploy failed:\n${deployFailureLines(context.deployments).join('\n')}`,
    }),
  },
] as const;

/** A new request for the release: re-plan, then write the issue's fields (before any move: rule 7). */
const beginIterationFromRequest = [
  'beginIterationFromEvent',
  {
    type: 'jira.updateFields',
    params: ({ context }: { context: ReleaseContext }) => ({ content: jiraIssueContent(context.request) }),
  },
] as const;

const releaseSetup = setup({
  types: {
    context: {} as ReleaseContext,
    events: {} as ReleaseEvent,
    input: {} as ReleaseInput,
  },
  actions: {
    // ---- effects (declared by name; see release-effects.ts) ----
    'jira.ensureIssue': declared('jira.ensureIssue'),
    'jira.updateFields': declared('jira.updateFields'),
    'jira.moveTo': declared('jira.moveTo'),
    'jira.comment': declared('jira.comment'),
    'policy.check': declared('policy.check'),
    'archery.submitOrder': declared('archery.submitOrder'),
    'archery.pollOrders': declared('archery.pollOrders'),
    'archery.executeOrder': declared('archery.executeOrder'),
    'apollo.apply': declared('apollo.apply'),
    'cmdb.deploy': declared('cmdb.deploy'),
    'cmdb.pollTasks': declared('cmdb.pollTasks'),
    'timer.schedule': declared('timer.schedule'),
    'timer.cancel': declared('timer.cancel'),

    // ---- context changes ----
    mirrorJira: assign((_, params: { state: ReleaseStateId }) => ({ jiraMirror: params.state })),
    addTimer: assign(({ context }, params: { timer: string }) => ({
      timers: context.timers.includes(params.timer) ? context.timers : [...context.timers, params.timer],
    })),
    removeTimer: assign(({ context }, params: { timer: string }) => ({
      timers: context.timers.filter((t) => t !== params.timer),
    })),
    // The version now in the environment: later iterations are checked against it (DF-V002).
    recordAppliedVersion: assign(({ context }) => ({
      appliedVersion: context.request.version ?? context.appliedVersion ?? null,
    })),
    recordIssue: assign(({ event }) => ({ issueKey: eventAs(event, 'ISSUE_READY').issueKey })),
    recordEffectFailure: assign(({ context, event }) => {
      const e = eventAs(event, 'EFFECT_FAILED');
      return {
        failure: failure(
          effectStage(e.effectType),
          `${e.effectType} failed: ${e.reason}`,
          context.jiraMirror ?? 'unknown',
        ),
      };
    }),
    beginIterationFromEvent: assign(({ context, event }) =>
      beginIteration(context, eventAs(event, 'NEW_ITERATION').request),
    ),
    beginIterationFromLatest: assign(({ context }) => beginIteration(context, context.request)),
    markNextOrderSubmitting: assign(({ context }) => {
      const next = nextPendingOrder(context);
      if (!next) return {};
      return {
        sqlOrders: context.sqlOrders.map((o) => (o === next ? { ...o, status: 'submitting' as const } : o)),
      };
    }),
    recordSubmittedOrder: assign(({ context, event }) => ({
      sqlOrders: recordSubmitted(context, eventAs(event, 'SQL_ORDER_SUBMITTED')),
    })),
    recordRejectedAtSubmission: assign(({ context }) => ({
      failure: failure(
        'sql',
        `Archery rejected ${context.sqlOrders
          .filter(isOrderFailed)
          .map((o) => `${o.sqlId} (${o.status})`)
          .join(', ')} at submission`,
        'sqlPending',
      ),
    })),
    recordSubmitFailure: assign(({ context, event }) => {
      const e = eventAs(event, 'SQL_SUBMIT_FAILED');
      return {
        sqlOrders: recordSubmitFailed(context, e),
        failure: failure('sql', `submitting ${e.sqlId} failed: ${e.reason}`, 'sqlPending'),
      };
    }),
    recordPolicyFindings: assign(({ context, event }) => {
      const findings = eventAs(event, 'POLICY_CHECKED').findings;
      const errors = policyErrors(findings);
      return {
        policyPassedIteration: errors.length > 0 ? context.policyPassedIteration : context.iteration,
        warnings: findings.filter((f) => f.severity === 'warning'),
        failure:
          errors.length > 0
            ? failure(
                'policy',
                `the versioning policy refused the SQL (${errors.length} violation(s))`,
                'sqlPending',
              )
            : null,
      };
    }),
    resetUnsubmittedOrders: assign(({ context }) => ({
      sqlOrders: resetUnsubmitted(context),
      failure: null,
    })),
    confirmSqlOrders: assign(({ context, event }) => {
      const by = eventAs(event, 'SQL_CONFIRMED').by;
      const sqlOrders = context.sqlOrders.map((o) =>
        o.status === 'workflow_finish' ? o : { ...o, confirmedBy: by },
      );
      return { sqlOrders, applied: withAppliedSql(context, sqlOrders) };
    }),
    recordSqlReportedFailed: assign(({ event }) => {
      const e = eventAs(event, 'SQL_REPORTED_FAILED');
      return {
        failure: failure(
          'sql',
          `${e.by} reported the SQL failed${e.reason ? `: ${e.reason}` : ''}`,
          'sqlExecuting',
        ),
      };
    }),
    recordPolledOrders: assign(({ context, event }) => {
      const sqlOrders = mergePolledOrders(context, eventAs(event, 'SQL_ORDERS_POLLED'));
      const failed = sqlOrders.filter(isOrderFailed);
      return {
        sqlOrders,
        applied: withAppliedSql(context, sqlOrders),
        failure:
          failed.length > 0
            ? failure(
                'sql',
                `SQL order(s) failed in Archery: ${failed.map((o) => o.sqlId).join(', ')}`,
                'sqlExecuting',
              )
            : context.failure,
      };
    }),
    markExecuteRequested: assign(({ context }, params: { workflowId: number }) => ({
      sqlOrders: context.sqlOrders.map((o) =>
        o.workflowId === params.workflowId ? { ...o, executeRequested: true } : o,
      ),
    })),
    recordApolloApplied: assign(({ context }) => {
      const apollo = { ...context.applied.apollo };
      for (const item of runItems(context.plan.apollo)) {
        apollo[apolloItemKey(item)] = { value: item.value, iteration: context.iteration };
      }
      return { applied: { ...context.applied, apollo } };
    }),
    recordConfigConfirmed: assign(({ context }) => {
      const apollo = { ...context.applied.apollo };
      for (const item of runItems(context.plan.apollo)) {
        apollo[apolloItemKey(item)] = { value: item.value, iteration: context.iteration };
      }
      const config = { ...context.applied.config };
      for (const item of runItems(context.plan.config)) {
        config[item.name] = { hash: item.hash, iteration: context.iteration };
      }
      return { applied: { ...context.applied, apollo, config }, failure: null };
    }),
    /** Ops confirmed config_info while cdflow still applies Apollo: the Apollo outcome decides next. */
    recordManualConfigConfirmed: assign(({ context }) => {
      const config = { ...context.applied.config };
      for (const item of runItems(context.plan.config)) {
        config[item.name] = { hash: item.hash, iteration: context.iteration };
      }
      return { applied: { ...context.applied, config } };
    }),
    recordConfigFailure: assign(({ event }) => {
      const reason =
        event.type === 'CONFIG_APPLY_FAILED'
          ? `applying Apollo items failed: ${event.reason}`
          : event.type === 'CONFIG_REPORTED_FAILED'
            ? `${event.by} reported the configuration failed${event.reason ? `: ${event.reason}` : ''}`
            : 'configuration failed';
      return { failure: failure('config', reason, 'configExecuting') };
    }),
    replanConfig: assign(({ context }) => {
      const plan = planRelease(context.applied, context.request);
      return { plan: { ...context.plan, apollo: plan.apollo, config: plan.config }, failure: null };
    }),
    replanCode: assign(({ context }) => ({
      plan: { ...context.plan, code: planRelease(context.applied, context.request).code },
      failure: null,
    })),
    prepareDeployments: assign(({ context }) => ({ deployments: buildDeployments(context) })),
    recordDeployStarted: assign(({ context, event }) => ({
      deployments: recordDeployStarted(context, eventAs(event, 'DEPLOY_STARTED')),
    })),
    recordDeployFailed: assign(({ context, event }) => ({
      deployments: recordDeployFailed(context, eventAs(event, 'DEPLOY_FAILED')),
    })),
    recordDeployPolled: assign(({ context, event }) => ({
      deployments: recordDeployPolled(context, eventAs(event, 'DEPLOY_TASKS_POLLED')),
    })),
    timeOutDeployments: assign(({ context }) => ({ deployments: timeOutDeployments(context) })),
    // Services that deployed are applied even when others failed: they never deploy again unchanged.
    recordCodeApplied: assign(({ context }) => ({ applied: withAppliedCode(context) })),
    recordCodeFailure: assign(({ context }) => ({
      failure: failure(
        'code',
        `deploy failed: ${context.deployments
          .filter((d) => d.status === 'failed')
          .map((d) => d.service)
          .join(', ')}`,
        'codeExecuting',
      ),
    })),
  },
  guards: {
    // Rule 2: what sqlPending does next.
    hasOrdersToSubmit: ({ context }) => context.sqlOrders.some((o) => o.status === 'pending'),
    /**
     * The gate runs once per iteration when there is SQL to submit or a version to check (DF-V rules),
     * so a code-only release with a bad or backward version is stopped before anything is deployed.
     */
    policyGateDue: ({ context }) =>
      context.settings.policyGate &&
      context.policyPassedIteration !== context.iteration &&
      (context.sqlOrders.some((o) => o.status === 'pending') || context.request.version !== null),
    hasSqlOrders: ({ context }) => context.sqlOrders.length > 0,
    policyFoundErrors: ({ event }) => policyErrors(eventAs(event, 'POLICY_CHECKED').findings).length > 0,
    isSubmittingOrder: ({ context, event }) =>
      (event.type === 'SQL_ORDER_SUBMITTED' || event.type === 'SQL_SUBMIT_FAILED') &&
      submittingOrder(context, event.sqlId) !== undefined,
    orderFailedInArchery: ({ context }) =>
      context.sqlOrders.some((o) => isOrderFailed(o) && o.status !== 'submit_failed'),
    // A person may retry a submission that never reached Archery; an order that failed in Archery needs a new iteration.
    noOrderFailedInArchery: ({ context }) =>
      !context.sqlOrders.some((o) => isOrderFailed(o) && o.status !== 'submit_failed'),
    // Rule 3.
    pollingSql: ({ context }) => context.settings.sqlMode !== 'manual',
    timerPending: ({ context, event }, params: { timer: string }) =>
      event.type === 'TIMER_FIRED' && event.timer === params.timer && context.timers.includes(params.timer),
    polledOrderFailed: ({ context, event }) =>
      sqlOutcome(mergePolledOrders(context, eventAs(event, 'SQL_ORDERS_POLLED'))) === 'failed',
    polledAllFinished: ({ context, event }) =>
      sqlOutcome(mergePolledOrders(context, eventAs(event, 'SQL_ORDERS_POLLED'))) === 'finished',
    // Rule 4.
    nothingToConfigure: ({ context }) =>
      runItems(context.plan.apollo).length === 0 && runItems(context.plan.config).length === 0,
    appliesApolloItself: ({ context }) =>
      context.settings.apolloAutomatic && runItems(context.plan.apollo).length > 0,
    noManualConfig: ({ context }) =>
      runItems(context.plan.config).every((item) => context.applied.config[item.name]?.hash === item.hash),
    // Rule 5.
    nothingToDeploy: ({ context }) => runItems(context.plan.code).length === 0,
    preDeployDelay: ({ context }) => context.settings.preDeployDelayMs > 0,
    knownDeployment: ({ context, event }) =>
      (event.type === 'DEPLOY_STARTED' || event.type === 'DEPLOY_FAILED') &&
      deploymentFor(context, event.service, event.attempt)?.status === 'pending',
    deployFailedForGood: ({ context, event }) =>
      deployOutcome(recordDeployFailed(context, eventAs(event, 'DEPLOY_FAILED'))) === 'failed',
    polledDeploySucceeded: ({ context, event }) =>
      deployOutcome(recordDeployPolled(context, eventAs(event, 'DEPLOY_TASKS_POLLED'))) === 'succeeded',
    polledDeployFailed: ({ context, event }) =>
      deployOutcome(recordDeployPolled(context, eventAs(event, 'DEPLOY_TASKS_POLLED'))) === 'failed',
  },
});

// Composite steps: enqueue the actions declared above, typed against them.
const submitNextOrder = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    const order = context.sqlOrders.find((o) => o.status === 'submitting');
    const item = order && sqlItemOf(context, order.sqlId);
    if (!order || !item) return;
    enqueue({
      type: 'archery.submitOrder',
      params: {
        order: {
          sqlId: item.sqlId,
          seq: item.seq,
          hash: item.hash,
          workflowName: archeryWorkOrderName(context.summary),
          instance: item.instance,
          dbName: item.dbName,
          group: item.group,
          sql: item.sql,
        },
      },
    });
  }),
);
const scheduleTimer = (timer: string) =>
  releaseSetup.createAction(
    enqueueActions(({ context, enqueue }) => {
      const params = { timer };
      enqueue({ type: 'addTimer', params: { timer: params.timer } });
      enqueue({
        type: 'timer.schedule',
        params: { timer: params.timer, delayMs: timerDelay(context, params.timer) },
      });
    }),
  );
const cancelTimers = (timers: string[]) =>
  releaseSetup.createAction(
    enqueueActions(({ context, event, enqueue }) => {
      const params = { timers };
      // The timer that just fired is no longer pending upstream: nothing to cancel.
      const fired = event.type === 'TIMER_FIRED' ? event.timer : null;
      for (const timer of params.timers) {
        if (!context.timers.includes(timer) || timer === fired) {
          if (timer === fired) enqueue({ type: 'removeTimer', params: { timer } });
          continue;
        }
        enqueue({ type: 'removeTimer', params: { timer } });
        enqueue({ type: 'timer.cancel', params: { timer } });
      }
    }),
  );
// Mode auto: ask Archery to execute the next order whose predecessors finished (once per order).
const executeNextOrder = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    if (context.settings.sqlMode !== 'auto') return;
    const next = nextOrderToExecute(context.sqlOrders);
    if (!next || next.workflowId === null) return;
    enqueue({ type: 'markExecuteRequested', params: { workflowId: next.workflowId } });
    enqueue({ type: 'archery.executeOrder', params: { workflowId: next.workflowId, sqlId: next.sqlId } });
  }),
);
// Modes watch/auto: cdflow polls Archery instead of waiting for a person's confirmation.
const startSqlWatch = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    if (context.settings.sqlMode === 'manual') return;
    enqueue({ type: 'addTimer', params: { timer: 'archery.poll' } });
    enqueue({
      type: 'timer.schedule',
      params: { timer: 'archery.poll', delayMs: context.settings.archeryPollMs },
    });
  }),
);
const deployPending = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    for (const d of context.deployments) {
      if (d.status !== 'pending') continue;
      const item = context.plan.code.find((e) => e.item.service === d.service)?.item;
      enqueue({
        type: 'cmdb.deploy',
        params: {
          env: context.request.env,
          service: d.service,
          svnPath: item?.svnPath ?? d.service,
          svnVersion: d.svnVersion,
          tag: d.tag,
          attempt: d.attempt,
        },
      });
    }
  }),
);
const ensureCmdbPoll = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    const watching = context.deployments.some((d) => d.status === 'started' || d.status === 'running');
    if (watching && !context.timers.includes('cmdb.poll')) {
      enqueue({ type: 'addTimer', params: { timer: 'cmdb.poll' } });
      enqueue({
        type: 'timer.schedule',
        params: { timer: 'cmdb.poll', delayMs: context.settings.cmdbPollMs },
      });
    }
  }),
);

export const releaseMachine = releaseSetup.createMachine({
  id: 'release',
  context: ({ input }) => {
    const base: ReleaseContext = {
      releaseId: input.releaseId,
      summary: input.request.summary,
      issueKey: null,
      iteration: 0,
      settings: input.settings,
      request: input.request,
      applied: input.applied,
      plan: { sql: [], apollo: [], config: [], code: [] },
      sqlOrders: [],
      deployments: [],
      warnings: [],
      failure: null,
      jiraMirror: 'sqlPending',
      revision: 1,
      timers: [],
      previousVersion: input.previousVersion,
    };
    return firstIterationContext(base, input.request, 1);
  },
  entry: [
    { type: 'jira.ensureIssue', params: ({ context }) => ({ content: jiraIssueContent(context.request) }) },
  ],
  on: {
    ISSUE_READY: { actions: 'recordIssue' },
    // Recorded for the operator; the stage stays put and can be retried or failed by a person.
    EFFECT_FAILED: { actions: 'recordEffectFailure' },
  },
  initial: 'sqlPending',
  states: {
    sqlPending: {
      description: 'SQL待执行: policy gate, then one Archery order per pending SQL item, in sequence order',
      initial: 'routing',
      on: {
        NEW_ITERATION: {
          target: '#release.sqlPending',
          reenter: true,
          actions: [...beginIterationFromRequest],
        },
        RETRY_SQL_SUBMIT: {
          guard: 'noOrderFailedInArchery',
          target: '#release.sqlPending',
          reenter: true,
          actions: 'resetUnsubmittedOrders',
        },
      },
      states: {
        routing: {
          always: [
            { guard: 'policyGateDue', target: 'awaitingPolicy' },
            { guard: 'hasOrdersToSubmit', target: 'submitting' },
            {
              guard: 'hasSqlOrders',
              target: '#release.sqlExecuting',
              actions: moveJira('sqlExecuting', 'submitSql'),
            },
            { target: '#release.configExecuting', actions: moveJira('configExecuting', 'noSql') },
          ],
        },
        awaitingPolicy: {
          entry: {
            type: 'policy.check',
            params: ({ context }) => ({
              version: context.request.version,
              previousVersion: context.previousVersion,
              sql: context.sqlOrders
                .filter((o) => o.status === 'pending')
                .map((o) => sqlItemOf(context, o.sqlId))
                .filter((item) => item !== undefined),
            }),
          },
          on: {
            POLICY_CHECKED: [
              {
                guard: 'policyFoundErrors',
                target: 'failed',
                actions: [
                  'recordPolicyFindings',
                  {
                    type: 'jira.comment',
                    params: ({ event }) => ({
                      body: policyComment(eventAs(event, 'POLICY_CHECKED').findings),
                    }),
                  },
                ],
              },
              { target: 'routing', actions: 'recordPolicyFindings' },
            ],
          },
        },
        submitting: {
          entry: ['markNextOrderSubmitting', submitNextOrder],
          on: {
            SQL_ORDER_SUBMITTED: {
              guard: 'isSubmittingOrder',
              target: 'submitted',
              actions: 'recordSubmittedOrder',
            },
            SQL_SUBMIT_FAILED: {
              guard: 'isSubmittingOrder',
              target: 'failed',
              actions: [
                'recordSubmitFailure',
                {
                  type: 'jira.comment',
                  params: ({ event }) => {
                    const e = eventAs(event, 'SQL_SUBMIT_FAILED');
                    return { body: `SQL ${e.sqlId} could not be submitted to Archery: ${e.reason}` };
                  },
                },
              ],
            },
          },
        },
        // Transient: after each submission, submit the next order, or stop at a rejected one.
        submitted: {
          always: [
            {
              // An order Archery rejected at submission (auto review) failed: the ones after it wait.
              guard: 'orderFailedInArchery',
              target: 'failed',
              actions: [
                'recordRejectedAtSubmission',
                {
                  type: 'jira.comment',
                  params: ({ context }) => ({
                    body: `SQL order rejected by Archery at submission; nothing after it is submitted:\n${sqlFailureLines(context.sqlOrders).join('\n')}`,
                  }),
                },
              ],
            },
            { guard: 'hasOrdersToSubmit', target: 'submitting' },
            { target: '#release.sqlExecuting', actions: moveJira('sqlExecuting', 'submitSql') },
          ],
        },
        failed: {
          description:
            'SQL执行失败: an order failed or was rejected, or the policy refused the SQL; waits for a new iteration',
        },
      },
    },
    sqlExecuting: {
      description: 'SQL执行中: the DBA reviews and executes the orders in sequence order',
      entry: [startSqlWatch, executeNextOrder],
      exit: cancelTimers(sqlTimers),
      on: {
        SQL_CONFIRMED: {
          target: 'configExecuting',
          actions: ['confirmSqlOrders', ...moveJira('configExecuting', 'sqlSucceeded')],
        },
        SQL_REPORTED_FAILED: {
          target: 'sqlPending.failed',
          actions: ['recordSqlReportedFailed', ...moveJira('sqlPending', 'sqlFailed')],
        },
        TIMER_FIRED: {
          guard: { type: 'timerPending', params: { timer: 'archery.poll' } },
          actions: [
            { type: 'removeTimer', params: { timer: 'archery.poll' } },
            {
              type: 'archery.pollOrders',
              params: ({ context }) => ({
                workflowIds: context.sqlOrders.flatMap((o) => (o.workflowId === null ? [] : [o.workflowId])),
              }),
            },
          ],
        },
        SQL_ORDERS_POLLED: [
          {
            guard: 'polledOrderFailed',
            target: 'sqlPending.failed',
            actions: [
              'recordPolledOrders',
              ...moveJira('sqlPending', 'sqlFailed'),
              {
                type: 'jira.comment',
                params: ({ context }) => ({
                  body: `SQL failed in Archery; the orders after it must not run:\n${sqlFailureLines(context.sqlOrders).join('\n')}`,
                }),
              },
            ],
          },
          {
            guard: 'polledAllFinished',
            target: 'configExecuting',
            actions: ['recordPolledOrders', ...moveJira('configExecuting', 'sqlSucceeded')],
          },
          {
            actions: ['recordPolledOrders', scheduleTimer('archery.poll'), executeNextOrder],
          },
        ],
      },
    },
    configExecuting: {
      description: 'CONFIG执行中: ops apply apollo_info / config_info and confirm',
      initial: 'routing',
      on: {
        CONFIG_CONFIRMED: {
          target: 'codeExecuting',
          actions: ['recordConfigConfirmed', ...moveJira('codeExecuting', 'configSucceeded')],
        },
        CONFIG_REPORTED_FAILED: {
          target: 'fixing',
          actions: ['recordConfigFailure', ...moveJira('fixing', 'configFailed')],
        },
      },
      states: {
        routing: {
          always: [
            {
              guard: 'nothingToConfigure',
              target: '#release.codeExecuting',
              actions: moveJira('codeExecuting', 'noConfig'),
            },
            { guard: 'appliesApolloItself', target: 'applyingApollo' },
            { target: 'awaitingConfirmation' },
          ],
        },
        applyingApollo: {
          entry: {
            type: 'apollo.apply',
            params: ({ context }) => ({ env: context.request.env, items: runItems(context.plan.apollo) }),
          },
          on: {
            // Ops may confirm config_info before the Apollo publish is answered: remember it, and let
            // the Apollo outcome move the release on (a failed publish must not be skipped over).
            CONFIG_CONFIRMED: { actions: 'recordManualConfigConfirmed' },
            CONFIG_APPLIED: [
              {
                guard: 'noManualConfig',
                target: '#release.codeExecuting',
                actions: ['recordConfigConfirmed', ...moveJira('codeExecuting', 'configSucceeded')],
              },
              { target: 'awaitingConfirmation', actions: 'recordApolloApplied' },
            ],
            CONFIG_APPLY_FAILED: {
              target: '#release.fixing',
              actions: [
                'recordConfigFailure',
                ...moveJira('fixing', 'configFailed'),
                {
                  type: 'jira.comment',
                  params: ({ event }) => ({
                    body: `Applying the Apollo items failed: ${eventAs(event, 'CONFIG_APPLY_FAILED').reason}`,
                  }),
                },
              ],
            },
          },
        },
        awaitingConfirmation: {},
      },
    },
    codeExecuting: {
      description: 'CODE执行中: cdflow deploys changed code through the CMDB',
      initial: 'routing',
      entry: 'prepareDeployments',
      exit: cancelTimers(codeTimers),
      states: {
        routing: {
          always: [
            {
              guard: 'nothingToDeploy',
              target: '#release.uatComplete',
              actions: moveJira('uatComplete', 'noCode'),
            },
            { guard: 'preDeployDelay', target: 'delaying' },
            { target: 'deploying' },
          ],
        },
        delaying: {
          // The original waited for image sync before deploying.
          entry: scheduleTimer('deploy.delay'),
          on: {
            TIMER_FIRED: {
              guard: { type: 'timerPending', params: { timer: 'deploy.delay' } },
              target: 'deploying',
              actions: { type: 'removeTimer', params: { timer: 'deploy.delay' } },
            },
          },
        },
        deploying: {
          entry: [deployPending, scheduleTimer('deploy.timeout')],
          on: {
            DEPLOY_STARTED: { guard: 'knownDeployment', actions: ['recordDeployStarted', ensureCmdbPoll] },
            DEPLOY_FAILED: [
              {
                guard: and(['knownDeployment', 'deployFailedForGood']),
                target: '#release.fixing',
                actions: ['recordDeployFailed', ...codeFailed],
              },
              // Retry: deploy the next attempt.
              { guard: 'knownDeployment', actions: ['recordDeployFailed', deployPending, ensureCmdbPoll] },
            ],
            TIMER_FIRED: [
              {
                guard: { type: 'timerPending', params: { timer: 'cmdb.poll' } },
                actions: [
                  { type: 'removeTimer', params: { timer: 'cmdb.poll' } },
                  {
                    type: 'cmdb.pollTasks',
                    params: ({ context }) => ({
                      tasks: context.deployments.flatMap((d) =>
                        d.taskId !== null && (d.status === 'started' || d.status === 'running')
                          ? [{ service: d.service, attempt: d.attempt, taskId: d.taskId }]
                          : [],
                      ),
                    }),
                  },
                ],
              },
              {
                // Whatever has not finished by now failed; no retry after the stage's deadline.
                guard: { type: 'timerPending', params: { timer: 'deploy.timeout' } },
                target: '#release.fixing',
                actions: [
                  { type: 'removeTimer', params: { timer: 'deploy.timeout' } },
                  'timeOutDeployments',
                  ...codeFailed,
                ],
              },
            ],
            DEPLOY_TASKS_POLLED: [
              {
                guard: 'polledDeploySucceeded',
                target: '#release.uatComplete',
                actions: [
                  'recordDeployPolled',
                  'recordCodeApplied',
                  ...moveJira('uatComplete', 'codeSucceeded'),
                ],
              },
              {
                guard: 'polledDeployFailed',
                target: '#release.fixing',
                actions: ['recordDeployPolled', ...codeFailed],
              },
              { actions: ['recordDeployPolled', deployPending, ensureCmdbPoll] },
            ],
          },
        },
      },
    },
    uatComplete: {
      description: 'UAT升级完成: the environment is upgraded',
      entry: 'recordAppliedVersion',
      on: {
        NEW_ITERATION: {
          target: 'sqlPending',
          // Fields first, then the transition, so no webhook sees stale fields (rule 7).
          actions: [...beginIterationFromRequest, ...moveJira('sqlPending', 'uatAutoIteration')],
        },
        UAT_AUTO_ITERATION: {
          target: 'sqlPending',
          actions: ['beginIterationFromLatest', ...moveJira('sqlPending', 'uatAutoIteration')],
        },
        UAT_MANUAL_ITERATION: { target: 'fixing', actions: moveJira('fixing', 'uatManualIteration') },
        PROMOTE_TO_PROD: { target: 'prodUpgrade', actions: moveJira('prodUpgrade', 'promoteToProd') },
        FINISH: { target: 'closed', actions: moveJira('closed', 'finish') },
      },
    },
    fixing: {
      description: '开发/运维修改: dev/ops fix a config or code failure',
      on: {
        RESUBMIT_CONFIG: {
          target: 'configExecuting',
          actions: ['replanConfig', ...moveJira('configExecuting', 'resubmitConfig')],
        },
        RESUBMIT_CODE: {
          target: 'codeExecuting',
          actions: ['replanCode', ...moveJira('codeExecuting', 'resubmitCode')],
        },
        RESUBMIT_ITERATION: {
          target: 'sqlPending',
          actions: ['beginIterationFromLatest', ...moveJira('sqlPending', 'resubmitIteration')],
        },
        NEW_ITERATION: {
          target: 'sqlPending',
          actions: [...beginIterationFromRequest, ...moveJira('sqlPending', 'resubmitIteration')],
        },
      },
    },
    prodUpgrade: {
      type: 'final',
      description: '运营环境升级: handed to production (the PRO flow comes later)',
    },
    closed: { type: 'final', description: '升级流程结束' },
  },
});

/** Record the mirrored status, then ask the host to move Jira there (preferring transition `via`). */
function moveJira(state: ReleaseStateId, via: JiraTransitionKey) {
  return [
    { type: 'mirrorJira', params: { state } },
    { type: 'jira.moveTo', params: { state, via } },
  ] as const;
}

function policyComment(
  findings: ReadonlyArray<{
    ruleId: string;
    severity: string;
    location: string;
    message: string;
    suggestion: string;
  }>,
): string {
  const lines = findings
    .filter((f) => f.severity === 'error')
    .map(
      (f) => `- [${f.ruleId}] ${f.location}: ${f.message}${f.suggestion ? ` (fix: ${f.suggestion})` : ''}`,
    );
  return `The versioning policy refused the SQL; nothing was submitted to Archery:\n${lines.join('\n')}`;
}
