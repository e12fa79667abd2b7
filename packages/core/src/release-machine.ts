/**
 * The release machine (the workflow's rules), XState v5 — this file is the chart: states, events,
 * guards and actions by name. Their bodies, the effects they declare and the composite steps live in
 * release-machine-setup.ts; comment texts in release-comments.ts. The machine owns no clock and
 * performs no I/O: effects are actions declared by name (`jira.moveTo`, `archery.submitOrder`, ...)
 * whose params carry the effect's payload; `decide` turns them into typed `ReleaseEffect`s. Timers are
 * `timer.schedule` effects answered by `TIMER_FIRED` events, never `after` delays (lost on restore).
 *
 * `meta.waitsOn` says who moves a state on: `person` (a decision in Jira or the operator API; cdflow
 * compares these with Jira when a webhook may have been lost), `upstream` (an effect cdflow runs),
 * `timer`. Transient routing states have none. `meta.waitsOnBySqlMode` refines it where the SQL mode
 * changes who acts (release-waits.ts `waitsOnNow`).
 */
import { and, assertEvent } from 'xstate';
import { releaseIssueContent } from './jira-issue-content.js';
import type { JiraMirrorState, JiraMoveKey } from './jira-workflow.js';
import {
  apolloFailedComment,
  codeFailedComment,
  policyRefusedComment,
  rejectedAtSubmissionComment,
  routesFailedComment,
  sqlCheckRefusedComment,
  sqlConfirmationRefusedComment,
  sqlFailedComment,
  sqlFetchFailedComment,
  submitFailedComment,
} from './release-comments.js';
import type { ReleaseEvent } from './release-events.js';
import {
  answerRefusedApproval,
  beginIterationFromLatestRequest,
  beginIterationFromRequest,
  cancelSupersededOrder,
  cancelTimers,
  checkChangeWindow,
  commentAwaitedApprovals,
  commentRejection,
  deployPending,
  ensureCmdbPoll,
  ensureRetryTimer,
  executeNextOrder,
  lastAwaitedSqlText,
  lookUpTargets,
  moveJira,
  moveJiraForIteration,
  noOrderFailedInArchery,
  pollCmdbTasks,
  pollWhileOrdersRun,
  promoteToProduction,
  readMissingSqlFiles,
  recordPolled,
  recordReadSqlText,
  releaseSetup,
  reportAuditRefused,
  returnToFirstApproval,
  scheduleTimer,
  scheduleWindowTimer,
  showOrderList,
  startSqlWatch,
  submitNextOrder,
} from './release-machine-setup.js';
import {
  firstIterationContext,
  mergePolledOrders,
  routesToResolve,
  runItems,
  sqlItemOf,
  sqlToCheck,
  unfinishedOrders,
} from './release-progress.js';
import { codeStageTimers, sqlStageTimers, type TimerName } from './release-timers.js';
import type { ReleaseContext } from './release-types.js';

export type { EffectParams, ReleaseInput } from './release-machine-setup.js';

/** Version of the machine's states and context; persisted with every snapshot. */
export const releaseMachineVersion = 1;

/** Who moves a state on (see the file comment). */
export type WaitsOn = 'person' | 'upstream' | 'timer';

/** A Jira comment written from the event of type `type` that the transition takes (and the context). */
function commentOn<const T extends ReleaseEvent['type']>(
  type: T,
  body: (event: Extract<ReleaseEvent, { type: T }>, context: ReleaseContext) => string,
) {
  return {
    type: 'jira.comment',
    params: ({ context, event }: { context: ReleaseContext; event: ReleaseEvent }) => {
      assertEvent(event, type);
      return { body: body(event as unknown as Extract<ReleaseEvent, { type: T }>, context) };
    },
  } as const;
}

/** Ask Archery where each order goes (group, instance, database), before anything is submitted. */
const resolveRoutes = {
  type: 'archery.resolveRoutes',
  params: ({ context }: { context: ReleaseContext }) => ({ routes: routesToResolve(context) }),
} as const;

/** Archery's own check of every item about to be submitted, in the database it runs in. */
const checkSql = {
  type: 'archery.checkSql',
  params: ({ context }: { context: ReleaseContext }) => ({ items: sqlToCheck(context) }),
} as const;

/** The answer to a refused SQL升级成功: the orders Archery does not show finished, with their ids and statuses. */
const confirmationRefusedComment = {
  type: 'jira.comment',
  params: ({ context, event }: { context: ReleaseContext; event: ReleaseEvent }) => {
    assertEvent(event, 'SQL_CONFIRMATION_CHECKED');
    const by = context.sqlConfirmation?.by ?? 'a person';
    const unfinished = unfinishedOrders(mergePolledOrders(context, event));
    return { body: sqlConfirmationRefusedComment(by, unfinished, event.readError ?? null) };
  },
} as const;

/** codeExecuting → fixing (代码升级失败) with the failures listed in a Jira comment (rule 5). */
const codeFailed = [
  'recordCodeApplied',
  'recordCodeFailure',
  ...moveJira('fixing', 'codeFailed'),
  {
    type: 'jira.comment',
    params: ({ context }: { context: ReleaseContext }) => ({ body: codeFailedComment(context.deployments) }),
  },
] as const;

/**
 * What a deploy event does in the code stage: all items succeeded → uatComplete; all ended and one failed
 * → fixing; otherwise record it and send what is due (retries after their pause, deploys that waited
 * for the look-ups or for a slot). A stale answer is refused.
 */
function onDeployEvent(options: { deploys: boolean }) {
  const next = options.deploys ? [deployPending, ensureCmdbPoll, ensureRetryTimer] : [];
  return [
    {
      // Production ends in 运营升级完成.
      guard: and(['isProd', { type: 'deployEventEndsStage', params: { outcome: 'succeeded' as const } }]),
      target: '#release.prodComplete',
      actions: ['recordDeployEvent', 'recordCodeApplied', ...moveJira('prodComplete', 'codeSucceeded')],
    },
    {
      guard: { type: 'deployEventEndsStage', params: { outcome: 'succeeded' } },
      target: '#release.uatComplete',
      actions: ['recordDeployEvent', 'recordCodeApplied', ...moveJira('uatComplete', 'codeSucceeded')],
    },
    {
      guard: { type: 'deployEventEndsStage', params: { outcome: 'failed' } },
      target: '#release.fixing',
      actions: ['recordDeployEvent', ...codeFailed],
    },
    { guard: 'deployEventApplies', actions: ['recordDeployEvent', ...next] },
  ] as const;
}

/**
 * A transition to the sibling state `state` that Jira mirrors: `record` runs first, then the Jira move
 * (preferring the transition `via`).
 */
function moveTo<const A extends readonly unknown[]>(state: JiraMirrorState, via: JiraMoveKey, ...record: A) {
  return { target: state, actions: [...record, ...moveJira(state, via)] } as const;
}

/**
 * A `TIMER_FIRED` transition for `timer`: taken while the timer is pending, it forgets the timer (it fired),
 * then runs `then.actions`.
 */
function onTimer<const T extends TimerName, const A extends readonly unknown[] = readonly []>(
  timer: T,
  then: { target?: string; actions?: A },
) {
  return {
    ...then,
    guard: { type: 'timerPending', params: { timer } },
    actions: [{ type: 'removeTimer', params: { timer } }, ...((then.actions ?? []) as A)],
  } as const;
}

/** While a deploy waits (for a window, a delay), the targets looked up meanwhile are recorded. */
const lookUpsWhileWaiting = {
  DEPLOY_TARGETS_FOUND: onDeployEvent({ deploys: false }),
  DEPLOY_FAILED: onDeployEvent({ deploys: false }),
} as const;

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
      // A production issue is created in its first approval step's status.
      jiraMirror: input.prod ? 'prodApproval' : 'sqlPending',
      revision: 1,
      timers: [],
      previousVersion: input.previousVersion,
      ...(input.sqlTexts ? { sqlTexts: input.sqlTexts } : {}),
      ...(input.prod
        ? { prod: input.prod, jiraMirrorStatus: input.settings.prod?.approvals[0]?.status ?? '' }
        : {}),
    };
    return firstIterationContext(base, input.request, 1);
  },
  entry: [{ type: 'jira.ensureIssue', params: ({ context }) => ({ content: releaseIssueContent(context) }) }],
  on: {
    ISSUE_READY: { actions: 'recordIssue' },
    // Nothing retries it by itself: the release shows it failed, with the reason, until a person retries
    // it (the host queues the failed effect again); the stage stays put.
    EFFECT_FAILED: { actions: 'recordEffectFailure' },
    EFFECT_RETRY_REQUESTED: { guard: 'effectAwaitsRetry', actions: 'clearEffectFailure' },
    // A submission answered after an iteration re-planned its item (content or target changed): the
    // order it made is never kept for the item; unexecuted, it is cancelled in Archery.
    SQL_ORDER_SUBMITTED: { guard: 'submissionSuperseded', actions: [cancelSupersededOrder] },
  },
  initial: 'sqlPending',
  states: {
    sqlPending: {
      description:
        'SQL待执行: read the SQL files the request names, policy gate, then one Archery order per pending SQL item, in sequence order',
      initial: 'routing',
      on: {
        NEW_ITERATION: {
          target: '#release.sqlPending',
          reenter: true,
          actions: [...beginIterationFromRequest, returnToFirstApproval],
        },
        RETRY_SQL_SUBMIT: {
          guard: noOrderFailedInArchery,
          target: '#release.sqlPending',
          reenter: true,
          actions: 'resetUnsubmittedOrders',
        },
      },
      states: {
        routing: {
          always: [
            { guard: 'sqlTextsMissing', target: 'fetchingSql' },
            { guard: 'policyGateDue', target: 'awaitingPolicy' },
            // Production: the texts are read and checked; nothing is routed or submitted before approval.
            { guard: 'approvalsPending', target: '#release.prodApproval', actions: commentAwaitedApprovals },
            { guard: 'routesToResolve', target: 'resolvingRoutes' },
            { guard: 'sqlCheckDue', target: 'checkingSql' },
            { guard: 'hasOrdersToSubmit', target: 'submitting' },
            {
              guard: 'hasSqlOrders',
              target: '#release.sqlExecuting',
              actions: moveJira('sqlExecuting', 'submitSql'),
            },
            { target: '#release.configExecuting', actions: moveJira('configExecuting', 'noSql') },
          ],
        },
        // Items without sql_content: their files are read from the SQL source (one read per file, kept
        // with the release) before anything is planned, checked or submitted.
        fetchingSql: {
          meta: { waitsOn: 'upstream' },
          entry: readMissingSqlFiles,
          on: {
            SQL_TEXT_FETCHED: [
              { guard: lastAwaitedSqlText, target: 'routing', actions: recordReadSqlText },
              { guard: 'awaitedSqlFile', actions: recordReadSqlText },
            ],
            SQL_FETCH_FAILED: {
              guard: 'awaitedSqlFile',
              target: 'failed',
              actions: [
                'recordSqlFetchFailure',
                commentOn('SQL_FETCH_FAILED', (event) =>
                  sqlFetchFailedComment(event.ref, event.sqlIds, event.reason),
                ),
              ],
            },
          },
        },
        awaitingPolicy: {
          meta: { waitsOn: 'upstream' },
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
                  commentOn('POLICY_CHECKED', (event) => policyRefusedComment(event.findings)),
                ],
              },
              { target: 'routing', actions: 'recordPolicyFindings' },
            ],
          },
        },
        // Where each order goes in Archery (group, instance, database), before anything is submitted.
        resolvingRoutes: {
          meta: { waitsOn: 'upstream' },
          entry: resolveRoutes,
          on: {
            SQL_ROUTES_RESOLVED: { target: 'routing', actions: 'recordRoutes' },
            SQL_ROUTES_FAILED: {
              target: 'failed',
              actions: [
                'recordRouteFailures',
                commentOn('SQL_ROUTES_FAILED', (event) => routesFailedComment(event.failures)),
              ],
            },
          },
        },
        // Archery's own check of every item about to be submitted, in the database it runs in: one error
        // and nothing is submitted (not even the items before it); warnings are recorded on the release.
        checkingSql: {
          meta: { waitsOn: 'upstream' },
          entry: checkSql,
          on: {
            SQL_CHECKED: [
              {
                guard: and(['isCurrentSqlCheck', 'sqlCheckFoundErrors']),
                target: 'failed',
                actions: [
                  {
                    type: 'jira.comment',
                    params: ({ context, event }) => {
                      assertEvent(event, 'SQL_CHECKED');
                      const files = new Map(sqlToCheck(context).map((i) => [i.sqlId, i.file]));
                      return {
                        body: sqlCheckRefusedComment(
                          event.items
                            .filter((i) => i.errors.length > 0)
                            .map((i) => ({ ...i, file: files.get(i.sqlId) ?? i.sqlId })),
                        ),
                      };
                    },
                  },
                  'recordSqlCheck',
                ],
              },
              { guard: 'isCurrentSqlCheck', target: 'routing', actions: 'recordSqlCheck' },
            ],
          },
        },
        submitting: {
          meta: { waitsOn: 'upstream' },
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
                commentOn('SQL_SUBMIT_FAILED', (event) => submitFailedComment(event.sqlId, event.reason)),
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
                  params: ({ context }) => ({ body: rejectedAtSubmissionComment(context.sqlOrders) }),
                },
              ],
            },
            { guard: 'hasOrdersToSubmit', target: 'submitting' },
            { target: '#release.sqlExecuting', actions: moveJira('sqlExecuting', 'submitSql') },
          ],
        },
        failed: {
          meta: { waitsOn: 'person' },
          entry: showOrderList,
          description:
            "SQL执行失败: a SQL file could not be read, an order failed or was rejected, or the policy or Archery's check refused the SQL; waits for a new iteration",
        },
      },
    },
    sqlExecuting: {
      description:
        'SQL执行中: the DBA reviews and executes the orders in sequence order; cdflow reads Archery in every mode',
      // A Jira move may come in any mode; in watch and auto what moves it on is Archery, which cdflow reads.
      meta: { waitsOn: 'person', waitsOnBySqlMode: { watch: 'upstream', auto: 'upstream' } },
      initial: 'watching',
      entry: [startSqlWatch, executeNextOrder, showOrderList],
      exit: cancelTimers(sqlStageTimers),
      on: {
        SQL_REPORTED_FAILED: {
          target: 'sqlPending.failed',
          actions: ['recordSqlReportedFailed', ...moveJira('sqlPending', 'sqlFailed')],
        },
        TIMER_FIRED: onTimer('archery.poll', {
          actions: [
            {
              type: 'archery.pollOrders',
              params: ({ context }: { context: ReleaseContext }) => ({
                workflowIds: context.sqlOrders.flatMap((o) => (o.workflowId === null ? [] : [o.workflowId])),
                known: context.sqlOrders.flatMap((o) =>
                  o.workflowId === null ? [] : [{ workflowId: o.workflowId, status: o.status }],
                ),
                everyMs: context.settings.archeryPollMs,
              }),
            },
          ],
        }),
        SQL_ORDERS_POLLED: [
          {
            // Every mode: an order that ended without running fails the release (manual included).
            guard: 'polledOrderFailed',
            target: 'sqlPending.failed',
            actions: [
              recordPolled,
              ...moveJira('sqlPending', 'sqlFailed'),
              {
                type: 'jira.comment',
                params: ({ context }) => ({ body: sqlFailedComment(context.sqlOrders) }),
              },
            ],
          },
          {
            guard: 'polledAllFinished',
            target: 'configExecuting',
            actions: [recordPolled, ...moveJira('configExecuting', 'sqlSucceeded'), showOrderList],
          },
          {
            actions: [recordPolled, pollWhileOrdersRun, executeNextOrder, showOrderList],
          },
        ],
        // Mode auto: Archery will not let cdflow audit the order (ban_self_audit); a DBA does, cdflow reads.
        // Its comment supersedes a poll waiting for a change: the poll is scheduled again with it.
        SQL_AUDIT_REFUSED: { guard: 'auditRefusalNew', actions: [reportAuditRefused, pollWhileOrdersRun] },
      },
      states: {
        watching: {
          on: {
            // A person's SQL升级成功 (Jira or the API) counts only once a fresh read of Archery bears it out.
            // The person moved Jira to CONFIG执行中: that is where it is now.
            SQL_CONFIRMED: {
              target: 'confirming',
              actions: [
                'recordConfirmationAsked',
                { type: 'mirrorJira', params: { state: 'configExecuting' } },
              ],
            },
          },
        },
        confirming: {
          description:
            "SQL执行中: cdflow reads every order in Archery to check a person's SQL升级成功 (it stands only when all are workflow_finish)",
          meta: { waitsOn: 'upstream' },
          entry: {
            type: 'archery.readOrders',
            params: ({ context }) => ({
              workflowIds: context.sqlOrders.flatMap((o) => (o.workflowId === null ? [] : [o.workflowId])),
            }),
          },
          on: {
            SQL_ORDERS_POLLED: [
              {
                // An order failed meanwhile: the release fails (Jira, where the person moved it, walks back).
                guard: 'polledOrderFailed',
                target: '#release.sqlPending.failed',
                actions: [
                  recordPolled,
                  'dropConfirmation',
                  ...moveJira('sqlExecuting', 'sqlUnfinished'),
                  ...moveJira('sqlPending', 'sqlFailed'),
                  {
                    type: 'jira.comment',
                    params: ({ context }) => ({ body: sqlFailedComment(context.sqlOrders) }),
                  },
                ],
              },
              // Otherwise a poll answered meanwhile is recorded; the confirmation's own read decides.
              { actions: [recordPolled, pollWhileOrdersRun] },
            ],
            SQL_CONFIRMATION_CHECKED: [
              {
                guard: 'confirmationStands',
                target: '#release.configExecuting',
                actions: [
                  'recordConfirmationRead',
                  ...moveJira('configExecuting', 'sqlSucceeded'),
                  showOrderList,
                ],
              },
              {
                // Refused, and an order failed in Archery: the release fails as a poll would have it.
                guard: 'confirmationFoundFailure',
                target: '#release.sqlPending.failed',
                actions: [
                  confirmationRefusedComment,
                  'recordConfirmationRead',
                  ...moveJira('sqlExecuting', 'sqlUnfinished'),
                  {
                    type: 'jira.comment',
                    params: ({ context }) => ({ body: sqlFailedComment(context.sqlOrders) }),
                  },
                  ...moveJira('sqlPending', 'sqlFailed'),
                ],
              },
              {
                // Refused: the issue goes back to SQL执行中 and nothing counts as executed that did not run.
                target: 'watching',
                actions: [
                  confirmationRefusedComment,
                  'recordConfirmationRead',
                  ...moveJira('sqlExecuting', 'sqlUnfinished'),
                  pollWhileOrdersRun,
                  showOrderList,
                ],
              },
            ],
          },
        },
      },
    },
    configExecuting: {
      description: 'CONFIG执行中: ops apply apollo_info / config_info and confirm',
      initial: 'routing',
      on: {
        CONFIG_CONFIRMED: moveTo('codeExecuting', 'configSucceeded', 'recordConfigConfirmed'),
        CONFIG_REPORTED_FAILED: moveTo('fixing', 'configFailed', 'recordConfigFailure'),
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
          meta: { waitsOn: 'upstream' },
          entry: {
            type: 'apollo.apply',
            params: ({ context }) => ({ env: context.request.env, items: runItems(context.plan.apollo) }),
          },
          on: {
            // Ops may confirm config_info before the Apollo publish is answered: remember it, and let
            // the Apollo outcome move the release on (a failed publish must not be skipped over).
            // The person's move is where Jira is now: cdflow's earlier move to CONFIG执行中 is out of date.
            CONFIG_CONFIRMED: {
              actions: [
                'recordManualConfigConfirmed',
                { type: 'mirrorJira', params: { state: 'codeExecuting' } },
              ],
            },
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
                commentOn('CONFIG_APPLY_FAILED', (event) => apolloFailedComment(event.reason)),
              ],
            },
          },
        },
        awaitingConfirmation: { meta: { waitsOn: 'person' } },
      },
    },
    codeExecuting: {
      description: 'CODE执行中: cdflow deploys changed code to every CMDB target of each item',
      initial: 'routing',
      entry: ['prepareDeployments', lookUpTargets],
      exit: cancelTimers(codeStageTimers),
      states: {
        routing: {
          always: [
            {
              guard: and(['isProd', 'nothingToDeploy']),
              target: '#release.prodComplete',
              actions: moveJira('prodComplete', 'noCode'),
            },
            {
              guard: 'nothingToDeploy',
              target: '#release.uatComplete',
              actions: moveJira('uatComplete', 'noCode'),
            },
            // Production deploys only inside a change window.
            { guard: 'windowCheckDue', target: 'checkingWindow' },
            { guard: 'preDeployDelay', target: 'delaying' },
            { target: 'deploying' },
          ],
        },
        // Production: cdflow reads the host's clock and computes the change windows from it.
        checkingWindow: {
          meta: { waitsOn: 'upstream' },
          entry: checkChangeWindow,
          on: {
            CHANGE_WINDOW_CHECKED: [
              { guard: 'windowOpen', target: 'routing', actions: 'recordWindow' },
              { target: 'waitingForWindow', actions: 'recordWindow' },
            ],
            ...lookUpsWhileWaiting,
          },
        },
        waitingForWindow: {
          description:
            'waiting for the change window: production deploys start only inside a configured window; a timer wakes the release at the next window start',
          meta: { waitsOn: 'timer' },
          entry: scheduleWindowTimer,
          on: {
            TIMER_FIRED: onTimer('prod.window', { target: 'checkingWindow' }),
            ...lookUpsWhileWaiting,
          },
        },
        delaying: {
          meta: { waitsOn: 'timer' },
          // The original waited for image sync before deploying; the targets are looked up meanwhile.
          entry: scheduleTimer('deploy.delay'),
          on: {
            TIMER_FIRED: onTimer('deploy.delay', { target: 'deploying' }),
            ...lookUpsWhileWaiting,
          },
        },
        deploying: {
          meta: { waitsOn: 'upstream' },
          entry: [deployPending, scheduleTimer('deploy.timeout')],
          on: {
            DEPLOY_TARGETS_FOUND: onDeployEvent({ deploys: true }),
            DEPLOY_FAILED: onDeployEvent({ deploys: true }),
            DEPLOYS_REPORTED: onDeployEvent({ deploys: true }),
            DEPLOY_TASKS_POLLED: onDeployEvent({ deploys: true }),
            TIMER_FIRED: [
              // Deploys that found no free slot are sent again, then the running tasks are polled: a
              // poll waits (quietly) for a task to change, so the deploys go first, not behind it.
              onTimer('cmdb.poll', { actions: ['requeueDeploys', deployPending, pollCmdbTasks] }),
              // The retry pause is over: failed deploys with attempts left are sent again.
              onTimer('deploy.retry', { actions: ['startDeployRetries', deployPending] }),
              // Whatever has not finished by now failed; no retry after the stage's deadline.
              onTimer('deploy.timeout', {
                target: '#release.fixing',
                actions: ['timeOutDeployments', ...codeFailed],
              }),
            ],
          },
        },
      },
    },
    uatComplete: {
      description: 'UAT升级完成: the environment is upgraded',
      meta: { waitsOn: 'person', resting: true },
      entry: 'recordAppliedVersion',
      on: {
        // Fields first, then the transition, so no webhook sees stale fields (rule 7).
        NEW_ITERATION: moveTo('sqlPending', 'uatAutoIteration', ...beginIterationFromRequest),
        UAT_AUTO_ITERATION: moveTo('sqlPending', 'uatAutoIteration', ...beginIterationFromLatestRequest),
        UAT_MANUAL_ITERATION: moveTo('fixing', 'uatManualIteration'),
        // The production release is created by the host from exactly what this release applied.
        PROMOTE_TO_PROD: {
          guard: 'prodUpstreamsReady',
          target: 'prodUpgrade',
          actions: [...moveJira('prodUpgrade', 'promoteToProd'), promoteToProduction],
        },
        FINISH: moveTo('closed', 'finish'),
      },
    },
    fixing: {
      description: '开发/运维修改: dev/ops fix a config or code failure',
      meta: { waitsOn: 'person' },
      on: {
        RESUBMIT_CONFIG: moveTo('configExecuting', 'resubmitConfig', 'replanConfig'),
        RESUBMIT_CODE: moveTo('codeExecuting', 'resubmitCode', 'replanCode'),
        RESUBMIT_ITERATION: {
          target: 'sqlPending',
          actions: [...beginIterationFromLatestRequest, moveJiraForIteration],
        },
        NEW_ITERATION: {
          target: 'sqlPending',
          actions: [...beginIterationFromRequest, moveJiraForIteration],
        },
      },
    },
    prodUpgrade: {
      type: 'final',
      description: '运营环境升级: handed to production; its production release (env PRO) carries on',
    },
    // ---- production: a PRO release is its own release (its own Jira issue, workflow cdflow-prod) ----
    prodApproval: {
      description:
        '待审批: the production release waits for its approval steps, in order (configured; default DBA → SA → team lead); context.prod holds the approvals given',
      meta: { waitsOn: 'person' },
      on: {
        PROD_APPROVED: [
          {
            guard: and(['approvalAllowed', 'lastApprovalStep']),
            target: '#release.sqlPending',
            actions: ['recordApproval', ...moveJira('sqlPending', 'approve')],
          },
          {
            guard: 'approvalAllowed',
            target: 'prodApproval',
            reenter: true,
            actions: ['recordApproval', ...moveJira('prodApproval', 'approve')],
          },
          // Jira has already moved: answered there. The operator API's refusal is an answer (403/409).
          { guard: 'approvalFromJira', actions: ['recordRefusedApproval', answerRefusedApproval] },
        ],
        PROD_REJECTED: {
          guard: 'rejectionAllowed',
          target: 'prodRejected',
          actions: ['recordRejection', ...moveJira('prodRejected', 'reject'), commentRejection],
        },
        NEW_ITERATION: {
          target: '#release.sqlPending',
          actions: [...beginIterationFromRequest, returnToFirstApproval],
        },
      },
    },
    prodRejected: {
      type: 'final',
      description:
        '审批驳回: an approver rejected the production release (who and why are in the history); nothing ran in production',
    },
    prodComplete: {
      description: '运营升级完成: production is upgraded',
      meta: { waitsOn: 'person', resting: true },
      entry: 'recordAppliedVersion',
      on: { FINISH: moveTo('closed', 'finish') },
    },
    closed: { type: 'final', description: '升级流程结束' },
  },
});
