/**
 * What the release machine's chart (release-machine.ts) refers to by name: its types, the effects it
 * declares, the context changes and guards (their bodies), and the composite steps built from them.
 * Effects are declared, never implemented: `decide` turns them into typed `ReleaseEffect`s and the host
 * performs them after the decision commits.
 */
import { and, assertEvent, assign, enqueueActions, not, setup } from 'xstate';
import { isFinalArcheryStatus } from './archery-status.js';
import { changeWindowAt } from './change-window.js';
import {
  applyDeployEvent,
  buildDeployments,
  cmdbPollNeeded,
  type DeployEvent,
  type DeployOutcome,
  deployOutcome,
  deploysToSend,
  markSending,
  requeueWaitingForSlot,
  retryPending,
  startRetries,
  tasksToPoll,
  timeOutDeployments,
  withAppliedCode,
} from './deploy-progress.js';
import { failedOrderText, policyRefusalReason } from './failure-reasons.js';
import { releaseIssueContent } from './jira-issue-content.js';
import type { JiraMirrorState, JiraMoveKey } from './jira-workflow.js';
import { apolloItemKey, planRelease } from './plan-release.js';
import {
  approvalRefusal,
  approvalsComplete,
  currentApprovalStep,
  flagDifferences,
  isLastApprovalStep,
  isProdRelease,
  prodDifferences,
  prodJiraStatus,
  prodMoveNames,
  promotionSource,
  rejectionRefusal,
} from './prod-release.js';
import {
  approvalRefusedComment,
  approvalsAwaitedComment,
  auditRefusedComment,
  finishedOutOfOrderComment,
  rejectedComment,
} from './release-comments.js';
import type { ReleaseEffect } from './release-effects.js';
import type { ReleaseEvent } from './release-events.js';
import {
  beginIteration,
  failure,
  isCurrentSqlCheck,
  isOrderFailed,
  isSupersededSubmission,
  isUnexecutedStatus,
  markFinishedOutOfOrder,
  mergePolledOrders,
  nextOrderToExecute,
  nextPendingOrder,
  orderListEntries,
  ordersReplacedNow,
  policyErrors,
  recordedWorkflowIds,
  recordRoutes,
  recordSubmitFailed,
  recordSubmitted,
  resetUnsubmitted,
  routesToResolve,
  runItems,
  sqlCheckFindings,
  sqlItemOf,
  sqlOutcome,
  sqlToCheck,
  submittingOrder,
  supersededOrder,
  unfinishedOrders,
  withAppliedSql,
  withReadSqlText,
  withRecordedOrderId,
} from './release-progress.js';
import { type TimerName, timerDelayMs } from './release-timers.js';
import type {
  AppliedState,
  NormalizedRequest,
  ProdApprovalStep,
  ProdProgress,
  ReleaseContext,
  ReleaseFailure,
  ReleaseSettings,
  ReplacedOrder,
  SqlText,
} from './release-types.js';
import { sqlFilesToRead } from './sql-file-texts.js';
import { archeryWorkOrderName } from './work-order-name.js';

export interface ReleaseInput {
  releaseId: string;
  request: NormalizedRequest;
  settings: ReleaseSettings;
  applied: AppliedState;
  previousVersion: string | null;
  /** SQL texts already read (an imported release): its items naming those files are not read again. */
  sqlTexts?: Record<string, SqlText>;
  /** A production release: its production side as it starts (see `newProdProgress`). */
  prod?: ProdProgress;
}

type EffectOf<T extends ReleaseEffect['type']> = Extract<ReleaseEffect, { type: T }>;
/** An effect's payload as an action's params: the effect without its type, key and revision. */
export type EffectParams<T extends ReleaseEffect['type']> = Omit<
  EffectOf<T>,
  'type' | 'idempotencyKey' | 'revision'
>;

/** Declares an effect by name; `decide` collects it, the host performs it. */
function declared<T extends ReleaseEffect['type']>(_type: T) {
  return (_args: unknown, _params: EffectParams<T>): void => undefined;
}

/** Which stage an effect belongs to, for the failure a person reads. */
function effectStage(effectType: string): ReleaseFailure['stage'] {
  if (effectType.startsWith('archery.') || effectType.startsWith('sql.')) return 'sql';
  if (effectType.startsWith('cmdb.') || effectType.startsWith('prod.')) return 'code';
  if (effectType.startsWith('apollo.')) return 'config';
  if (effectType.startsWith('policy.')) return 'policy';
  return 'jira';
}

/** What a person or Apollo said when the configuration failed. */
function configFailureReason(event: ReleaseEvent): string {
  if (event.type === 'CONFIG_APPLY_FAILED') return `applying Apollo items failed: ${event.reason}`;
  if (event.type === 'CONFIG_REPORTED_FAILED')
    return `${event.by} reported the configuration failed${event.reason ? `: ${event.reason}` : ''}`;
  return 'configuration failed';
}

function appliedConfig(context: ReleaseContext): AppliedState['config'] {
  const config = { ...context.applied.config };
  for (const item of runItems(context.plan.config)) {
    config[item.name] = { hash: item.hash, iteration: context.iteration };
  }
  return config;
}

function appliedApollo(context: ReleaseContext): AppliedState['apollo'] {
  const apollo = { ...context.applied.apollo };
  for (const item of runItems(context.plan.apollo)) {
    apollo[apolloItemKey(item)] = { value: item.value, iteration: context.iteration };
  }
  return apollo;
}

/**
 * What a read of Archery shows (a poll, or the fresh read a confirmation asks for): the orders' statuses,
 * the SQL applied (only orders it shows finished), and the failure of an order that failed there.
 */
function withReadOrders(
  context: ReleaseContext,
  event: Extract<ReleaseEvent, { type: 'SQL_ORDERS_POLLED' | 'SQL_CONFIRMATION_CHECKED' }>,
): Pick<ReleaseContext, 'sqlOrders' | 'applied' | 'failure'> {
  const sqlOrders = markFinishedOutOfOrder(mergePolledOrders(context, event)).orders;
  const failed = sqlOrders.filter(isOrderFailed);
  return {
    sqlOrders,
    applied: withAppliedSql(context, sqlOrders),
    failure:
      failed.length > 0
        ? failure(
            'sql',
            `SQL order(s) failed in Archery: ${failed.map(failedOrderText).join(', ')}`,
            'sqlExecuting',
          )
        : context.failure,
  };
}

export const releaseSetup = setup({
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
    'jira.showOrders': declared('jira.showOrders'),
    'sql.fetch': declared('sql.fetch'),
    'policy.check': declared('policy.check'),
    'archery.resolveRoutes': declared('archery.resolveRoutes'),
    'archery.checkSql': declared('archery.checkSql'),
    'archery.submitOrder': declared('archery.submitOrder'),
    'archery.pollOrders': declared('archery.pollOrders'),
    'archery.readOrders': declared('archery.readOrders'),
    'archery.executeOrder': declared('archery.executeOrder'),
    'archery.cancelOrder': declared('archery.cancelOrder'),
    'apollo.apply': declared('apollo.apply'),
    'cmdb.findTargets': declared('cmdb.findTargets'),
    'cmdb.deploy': declared('cmdb.deploy'),
    'cmdb.pollTasks': declared('cmdb.pollTasks'),
    'timer.schedule': declared('timer.schedule'),
    'timer.cancel': declared('timer.cancel'),
    'prod.checkWindow': declared('prod.checkWindow'),
    'release.promote': declared('release.promote'),

    // ---- context changes ----
    // The decision being taken has the next revision (decide stamps it after the transition).
    // A production release also remembers the status itself: its approval steps share one state.
    mirrorJira: assign(({ context }, params: { state: JiraMirrorState }) => ({
      jiraMirror: params.state,
      jiraMirrorSince: context.revision + 1,
      ...(isProdRelease(context) ? { jiraMirrorStatus: prodJiraStatus(params.state, context) } : {}),
    })),
    addTimer: assign(({ context }, params: { timer: TimerName }) => ({
      timers: context.timers.includes(params.timer) ? context.timers : [...context.timers, params.timer],
    })),
    removeTimer: assign(({ context }, params: { timer: TimerName }) => ({
      timers: context.timers.filter((t) => t !== params.timer),
    })),
    // The version now in the environment: later iterations are checked against it (DF-V002).
    recordAppliedVersion: assign(({ context }) => ({
      appliedVersion: context.request.version ?? context.appliedVersion ?? null,
    })),
    recordIssue: assign(({ event }) => {
      assertEvent(event, 'ISSUE_READY');
      return { issueKey: event.issueKey };
    }),
    // Nothing retries it by itself: it is the release's failure, and listed until a person retries it.
    recordEffectFailure: assign(({ context, event }) => {
      assertEvent(event, 'EFFECT_FAILED');
      const at = context.jiraMirror ?? 'unknown';
      return {
        failure: {
          ...failure(effectStage(event.effectType), `${event.effectType} failed: ${event.reason}`, at),
          effect: event.idempotencyKey,
        },
        failedEffects: [
          ...(context.failedEffects ?? []).filter((f) => f.idempotencyKey !== event.idempotencyKey),
          { idempotencyKey: event.idempotencyKey, effectType: event.effectType, reason: event.reason, at },
        ],
      };
    }),
    // A person asked to run the failed effect again (the host queues it once more): the failure is over.
    clearEffectFailure: assign(({ context, event }) => {
      assertEvent(event, 'EFFECT_RETRY_REQUESTED');
      const rest = (context.failedEffects ?? []).filter((f) => f.idempotencyKey !== event.idempotencyKey);
      return {
        failedEffects: rest.length > 0 ? rest : undefined,
        failure: context.failure?.effect === event.idempotencyKey ? null : context.failure,
      };
    }),
    beginIterationFromEvent: assign(({ context, event }) => {
      assertEvent(event, 'NEW_ITERATION');
      return beginIteration(context, event.request, event.uat);
    }),
    beginIterationFromLatest: assign(({ context }) => beginIteration(context, context.request)),
    recordSqlText: assign(({ context, event }) => {
      assertEvent(event, 'SQL_TEXT_FETCHED');
      return withReadSqlText(context, event.ref, event.text);
    }),
    recordSqlFetchFailure: assign(({ event }) => {
      assertEvent(event, 'SQL_FETCH_FAILED');
      return {
        failure: failure(
          'sql',
          `reading ${event.ref} (SQL ${event.sqlIds.join(', ')}) failed: ${event.reason}`,
          'sqlPending',
        ),
      };
    }),
    markNextOrderSubmitting: assign(({ context }) => {
      const next = nextPendingOrder(context);
      if (!next) return {};
      return {
        sqlOrders: context.sqlOrders.map((o) => (o === next ? { ...o, status: 'submitting' as const } : o)),
      };
    }),
    // Archery's own check of the pending items: warnings join the policy's; errors stop the submission.
    recordSqlCheck: assign(({ context, event }) => {
      assertEvent(event, 'SQL_CHECKED');
      const { errors, warnings } = sqlCheckFindings(context, event);
      if (errors.length > 0) {
        const reason = `Archery's check refused the SQL: ${errors
          .map((f) => `${f.location}: ${f.message}`)
          .join('; ')}`;
        return {
          warnings: [...context.warnings, ...warnings],
          failure: { ...failure('sql', reason, 'sqlPending'), findings: errors },
        };
      }
      return { warnings: [...context.warnings, ...warnings], sqlCheckedIteration: context.iteration };
    }),
    // A submission answered after its item was re-planned: the order is recorded (never reused) and, while
    // it has not run, replaced (cancelled in Archery) — never kept as the item's order.
    recordSupersededOrder: assign(({ context, event }) => {
      assertEvent(event, 'SQL_ORDER_SUBMITTED');
      const ids = withRecordedOrderId(context, event.workflowId);
      if (!isUnexecutedStatus(event.status)) return { archeryOrderIds: ids };
      return {
        archeryOrderIds: ids,
        replacedOrders: [...(context.replacedOrders ?? []), supersededOrder(context, event)],
      };
    }),
    recordSubmittedOrder: assign(({ context, event }) => {
      assertEvent(event, 'SQL_ORDER_SUBMITTED');
      return {
        sqlOrders: recordSubmitted(context, event),
        archeryOrderIds: withRecordedOrderId(context, event.workflowId),
      };
    }),
    recordRoutes: assign(({ context, event }) => {
      assertEvent(event, 'SQL_ROUTES_RESOLVED');
      return { sqlOrders: recordRoutes(context, event), failure: null };
    }),
    recordRouteFailures: assign(({ event }) => {
      assertEvent(event, 'SQL_ROUTES_FAILED');
      return {
        failure: failure(
          'sql',
          `SQL cannot be routed to Archery: ${event.failures
            .map((f) => `${f.sqlId} (instance ${f.instance}, group ${f.group}): ${f.reason}`)
            .join('; ')}`,
          'sqlPending',
        ),
      };
    }),
    markOrderListShown: assign((_, params: { signature: string }) => ({ shownOrderList: params.signature })),
    recordRejectedAtSubmission: assign(({ context }) => ({
      failure: failure(
        'sql',
        `Archery rejected ${context.sqlOrders.filter(isOrderFailed).map(failedOrderText).join(', ')} at submission`,
        'sqlPending',
      ),
    })),
    recordSubmitFailure: assign(({ context, event }) => {
      assertEvent(event, 'SQL_SUBMIT_FAILED');
      return {
        sqlOrders: recordSubmitFailed(context, event),
        failure: failure('sql', `submitting ${event.sqlId} failed: ${event.reason}`, 'sqlPending'),
      };
    }),
    recordPolicyFindings: assign(({ context, event }) => {
      assertEvent(event, 'POLICY_CHECKED');
      const errors = policyErrors(event.findings);
      return {
        policyPassedIteration: errors.length > 0 ? context.policyPassedIteration : context.iteration,
        warnings: event.findings.filter((f) => f.severity === 'warning'),
        // The findings travel with the failure: a person reads rule, location and fix where it stopped.
        failure:
          errors.length > 0
            ? { ...failure('policy', policyRefusalReason(errors), 'sqlPending'), findings: errors }
            : null,
      };
    }),
    resetUnsubmittedOrders: assign(({ context }) => ({
      sqlOrders: resetUnsubmitted(context),
      failure: null,
    })),
    // The person's SQL升级成功 is checked on a fresh read of Archery before anything counts as executed.
    recordConfirmationAsked: assign(({ event }) => {
      assertEvent(event, 'SQL_CONFIRMED');
      return { sqlConfirmation: { by: event.by } };
    }),
    dropConfirmation: assign(() => ({ sqlConfirmation: undefined })),
    // What the fresh read showed: Archery's statuses (only orders it shows finished count as executed).
    recordConfirmationRead: assign(({ context, event }) => {
      assertEvent(event, 'SQL_CONFIRMATION_CHECKED');
      return { ...withReadOrders(context, event), sqlConfirmation: undefined };
    }),
    recordAuditRefused: assign(({ context, event }) => {
      assertEvent(event, 'SQL_AUDIT_REFUSED');
      return {
        sqlOrders: context.sqlOrders.map((o) =>
          o.workflowId === event.workflowId ? { ...o, auditRefused: event.reason } : o,
        ),
      };
    }),
    recordSqlReportedFailed: assign(({ event }) => {
      assertEvent(event, 'SQL_REPORTED_FAILED');
      return {
        failure: failure(
          'sql',
          `${event.by} reported the SQL failed${event.reason ? `: ${event.reason}` : ''}`,
          'sqlExecuting',
        ),
      };
    }),
    recordPolledOrders: assign(({ context, event }) => {
      assertEvent(event, 'SQL_ORDERS_POLLED');
      return withReadOrders(context, event);
    }),
    markExecuteRequested: assign(({ context }, params: { workflowId: number }) => ({
      sqlOrders: context.sqlOrders.map((o) =>
        o.workflowId === params.workflowId ? { ...o, executeRequested: true } : o,
      ),
    })),
    recordApolloApplied: assign(({ context }) => ({
      applied: { ...context.applied, apollo: appliedApollo(context) },
    })),
    recordConfigConfirmed: assign(({ context }) => ({
      applied: { ...context.applied, apollo: appliedApollo(context), config: appliedConfig(context) },
      failure: null,
    })),
    /** Ops confirmed config_info while cdflow still applies Apollo: the Apollo outcome decides next. */
    recordManualConfigConfirmed: assign(({ context }) => ({
      applied: { ...context.applied, config: appliedConfig(context) },
    })),
    recordConfigFailure: assign(({ event }) => ({
      failure: failure('config', configFailureReason(event), 'configExecuting'),
    })),
    replanConfig: assign(({ context }) => {
      const plan = flagDifferences(planRelease(context.applied, context.request), context);
      return { plan: { ...context.plan, apollo: plan.apollo, config: plan.config }, failure: null };
    }),
    replanCode: assign(({ context }) => ({
      plan: {
        ...context.plan,
        code: flagDifferences(planRelease(context.applied, context.request), context).code,
      },
      failure: null,
    })),
    // A production deploy round checks the change windows again (the last check was for another round).
    prepareDeployments: assign(({ context }) => ({
      deployments: buildDeployments(context),
      ...(context.prod ? { prod: { ...context.prod, window: undefined } } : {}),
    })),
    recordDeployEvent: assign(({ context, event }) => ({
      deployments: applyDeployEvent(context, event as DeployEvent) ?? context.deployments,
    })),
    markDeploysSending: assign(({ context }) => ({ deployments: markSending(context) })),
    startDeployRetries: assign(({ context }) => ({ deployments: startRetries(context) })),
    requeueDeploys: assign(({ context }) => ({ deployments: requeueWaitingForSlot(context) })),
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

    // ---- production ----
    recordApproval: assign(({ context, event }) => {
      assertEvent(event, 'PROD_APPROVED');
      const prod = context.prod!;
      const step = currentApprovalStep(context)!;
      const differences = step.approvesDifferences
        ? prodDifferences(context).map((d) => `${d.section} ${d.id}: ${d.reason}`)
        : [];
      return {
        prod: {
          ...prod,
          approvals: [
            ...prod.approvals,
            {
              step: step.key,
              by: event.by,
              via: event.via,
              ...(differences.length > 0 ? { differences } : {}),
            },
          ],
        },
      };
    }),
    recordRefusedApproval: assign(({ context, event }) => {
      assertEvent(event, 'PROD_APPROVED');
      const prod = context.prod!;
      const step = currentApprovalStep(context);
      const refusal = approvalRefusal(context, event);
      return {
        prod: {
          ...prod,
          refusedApprovals: [
            ...prod.refusedApprovals,
            { step: step?.key ?? '', by: event.by, reason: refusal?.message ?? 'refused' },
          ],
        },
      };
    }),
    recordRejection: assign(({ context, event }) => {
      assertEvent(event, 'PROD_REJECTED');
      const step = currentApprovalStep(context);
      const reason =
        event.reason?.trim() ||
        `rejected in ${event.via === 'jira' ? 'Jira' : 'the operator API'} without a reason`;
      return {
        prod: { ...context.prod!, rejection: { step: step?.key ?? '', by: event.by, reason } },
        failure: failure(
          'jira',
          `${event.by} rejected the production release at step ${step?.key ?? '?'}: ${reason}`,
          'prodApproval',
        ),
      };
    }),
    recordWindow: assign(({ context, event }) => {
      assertEvent(event, 'CHANGE_WINDOW_CHECKED');
      const at = changeWindowAt(context.settings.prod?.changeWindows ?? [], event.now);
      return {
        prod: {
          ...context.prod!,
          window: { checkedAt: event.now, open: at.open, opensAt: at.opensAt, closesAt: at.closesAt },
        },
      };
    }),
  },
  guards: {
    // ---- production ----
    isProd: ({ context }) => isProdRelease(context),
    /** A production release waits for its approvals before anything is routed or submitted. */
    approvalsPending: ({ context }) => isProdRelease(context) && !approvalsComplete(context),
    approvalAllowed: ({ context, event }) => {
      assertEvent(event, 'PROD_APPROVED');
      return approvalRefusal(context, event) === null;
    },
    lastApprovalStep: ({ context }) => isLastApprovalStep(context),
    /** A refused approval made in Jira is answered there (comment, issue moved back); the API's is refused. */
    approvalFromJira: ({ event }) => {
      assertEvent(event, 'PROD_APPROVED');
      return event.via === 'jira';
    },
    rejectionAllowed: ({ context, event }) => {
      assertEvent(event, 'PROD_REJECTED');
      return rejectionRefusal(context, event) === null;
    },
    /** Promotion needs production upstreams (the host says whether it has them). */
    prodUpstreamsReady: ({ event }) => {
      assertEvent(event, 'PROMOTE_TO_PROD');
      return event.prodUpstreams !== false;
    },
    /** A production deploy round starts only once a change-window check found a window open. */
    windowCheckDue: ({ context }) => isProdRelease(context) && context.prod?.window?.open !== true,
    windowOpen: ({ context, event }) => {
      assertEvent(event, 'CHANGE_WINDOW_CHECKED');
      return changeWindowAt(context.settings.prod?.changeWindows ?? [], event.now).open;
    },
    // Rule 2: what sqlPending does next. SQL text comes first: an item is planned once its text is known.
    sqlTextsMissing: ({ context }) => (context.request.sqlAwaitingText ?? []).length > 0,
    /** The event answers a file the release still waits for (a late answer for an older request does not). */
    awaitedSqlFile: ({ context, event }) => {
      assertEvent(event, ['SQL_TEXT_FETCHED', 'SQL_FETCH_FAILED']);
      return sqlFilesToRead(context.request, context.sqlTexts).some((f) => f.ref === event.ref);
    },
    /** This text is the last one the release waits for. */
    lastSqlTextRead: ({ context, event }) => {
      assertEvent(event, 'SQL_TEXT_FETCHED');
      const texts = { ...context.sqlTexts, [event.ref]: event.text };
      return sqlFilesToRead(context.request, texts).length === 0;
    },
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
    policyFoundErrors: ({ event }) => {
      assertEvent(event, 'POLICY_CHECKED');
      return policyErrors(event.findings).length > 0;
    },
    /** The answer is for the order being submitted: same item, content and target (instance, database). */
    isSubmittingOrder: ({ context, event }) => {
      assertEvent(event, ['SQL_ORDER_SUBMITTED', 'SQL_SUBMIT_FAILED']);
      return submittingOrder(context, event) !== undefined;
    },
    /** An order Archery created for content or a target its item no longer has. */
    submissionSuperseded: ({ context, event }) => {
      assertEvent(event, 'SQL_ORDER_SUBMITTED');
      return isSupersededSubmission(context, event);
    },
    /** Archery's check is due: pending items not yet checked in this iteration. */
    sqlCheckDue: ({ context }) =>
      context.sqlCheckedIteration !== context.iteration && sqlToCheck(context).length > 0,
    isCurrentSqlCheck: ({ context, event }) => {
      assertEvent(event, 'SQL_CHECKED');
      return isCurrentSqlCheck(context, event);
    },
    sqlCheckFoundErrors: ({ context, event }) => {
      assertEvent(event, 'SQL_CHECKED');
      return sqlCheckFindings(context, event).errors.length > 0;
    },
    /** The fresh read shows every order finished: the person's SQL升级成功 stands. */
    confirmationStands: ({ context, event }) => {
      assertEvent(event, 'SQL_CONFIRMATION_CHECKED');
      if (event.readError !== undefined) return false;
      return unfinishedOrders(mergePolledOrders(context, event)).length === 0;
    },
    confirmationFoundFailure: ({ context, event }) => {
      assertEvent(event, 'SQL_CONFIRMATION_CHECKED');
      if (event.readError !== undefined) return false;
      return mergePolledOrders(context, event).some(isOrderFailed);
    },
    /** Archery refused cdflow's audit of an order of the release it has not reported yet. */
    auditRefusalNew: ({ context, event }) => {
      assertEvent(event, 'SQL_AUDIT_REFUSED');
      return context.sqlOrders.some((o) => o.workflowId === event.workflowId && o.auditRefused === undefined);
    },
    /** The effect failed for good and waits for a person to retry it. */
    effectAwaitsRetry: ({ context, event }) => {
      assertEvent(event, 'EFFECT_RETRY_REQUESTED');
      return (context.failedEffects ?? []).some((f) => f.idempotencyKey === event.idempotencyKey);
    },
    // A submission that never reached Archery may be retried; an order that failed in Archery needs a new iteration.
    orderFailedInArchery: ({ context }) =>
      context.sqlOrders.some((o) => isOrderFailed(o) && o.status !== 'submit_failed'),
    // Rule 3.
    timerPending: ({ context, event }, params: { timer: TimerName }) =>
      event.type === 'TIMER_FIRED' && event.timer === params.timer && context.timers.includes(params.timer),
    polledOrderFailed: ({ context, event }) => {
      assertEvent(event, 'SQL_ORDERS_POLLED');
      return sqlOutcome(mergePolledOrders(context, event)) === 'failed';
    },
    // In mode manual a person confirms (checked against Archery); watch and auto move on by themselves.
    polledAllFinished: ({ context, event }) => {
      assertEvent(event, 'SQL_ORDERS_POLLED');
      return (
        context.settings.sqlMode !== 'manual' && sqlOutcome(mergePolledOrders(context, event)) === 'finished'
      );
    },
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
    routesToResolve: ({ context }) => routesToResolve(context).length > 0,
    /** The deploy event concerns something the release waits for (a stale answer does not). */
    deployEventApplies: ({ context, event }) => applyDeployEvent(context, event as DeployEvent) !== null,
    deployEventEndsStage: ({ context, event }, params: { outcome: DeployOutcome }) => {
      const after = applyDeployEvent(context, event as DeployEvent);
      return after !== null && deployOutcome(after) === params.outcome;
    },
  },
});

// ---- guards composed from the ones above (XState's own combinators) ----

export const noOrderFailedInArchery = not('orderFailedInArchery');
export const lastAwaitedSqlText = and(['awaitedSqlFile', 'lastSqlTextRead']);

// ---- chart vocabulary: named actions in the order the chart runs them ----

/** A `jira.moveTo`'s payload: a production release names its own status and transition. */
export function jiraMoveParams(context: ReleaseContext, state: JiraMirrorState, via: JiraMoveKey) {
  return isProdRelease(context) ? { state, via, ...prodMoveNames(context, state, via) } : { state, via };
}

/** Record the mirrored status, then ask the host to move Jira there (preferring the transition `via`). */
export function moveJira(state: JiraMirrorState, via: JiraMoveKey) {
  return [
    { type: 'mirrorJira', params: { state } },
    {
      type: 'jira.moveTo',
      params: ({ context }: { context: ReleaseContext }) => jiraMoveParams(context, state, via),
    },
  ] as const;
}

/** Arm a timer: remember it in the context, ask the host to schedule it after its configured delay. */
function armTimer(
  enqueue: (
    action:
      | { type: 'addTimer'; params: { timer: TimerName } }
      | { type: 'timer.schedule'; params: EffectParams<'timer.schedule'> },
  ) => void,
  settings: ReleaseSettings,
  timer: TimerName,
): void {
  enqueue({ type: 'addTimer', params: { timer } });
  enqueue({ type: 'timer.schedule', params: { timer, delayMs: timerDelayMs(settings, timer) } });
}

/** Arm a timer: remember it in the context, ask the host to schedule it. */
export const scheduleTimer = (timer: TimerName) =>
  releaseSetup.createAction(
    enqueueActions(({ context, enqueue }) => armTimer(enqueue, context.settings, timer)),
  );

/** Drop the stage's pending timers when it is left (the one that just fired is no longer pending upstream). */
export const cancelTimers = (timers: readonly TimerName[]) =>
  releaseSetup.createAction(
    enqueueActions(({ context, event, enqueue }) => {
      const fired = event.type === 'TIMER_FIRED' ? event.timer : null;
      for (const timer of timers) {
        if (timer === fired) {
          enqueue({ type: 'removeTimer', params: { timer } });
          continue;
        }
        if (!context.timers.includes(timer)) continue;
        enqueue({ type: 'removeTimer', params: { timer } });
        enqueue({ type: 'timer.cancel', params: { timer } });
      }
    }),
  );

/** Ask the SQL source for every file the release's SQL items name and no stored text covers (once each). */
export const readMissingSqlFiles = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    for (const file of sqlFilesToRead(context.request, context.sqlTexts)) {
      enqueue({ type: 'sql.fetch', params: { ref: file.ref, file: file.file, sqlIds: file.sqlIds } });
    }
  }),
);
/** Submit the order marked `submitting` as one Archery work order, named after the release. */
export const submitNextOrder = releaseSetup.createAction(
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
          workflowName: archeryWorkOrderName(context.summary, {
            seq: item.seq,
            total: context.request.sql.length,
          }),
          instance: item.instance,
          dbName: order.dbName ?? item.dbName,
          group: item.group,
          sql: item.sql,
        },
        summary: context.summary,
        recordedWorkflowIds: recordedWorkflowIds(context),
      },
    });
  }),
);

/** Mode auto: ask Archery to execute the next order whose predecessors finished (once per order). */
export const executeNextOrder = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    // Production is never executed by cdflow, whatever the mode says.
    if (context.settings.sqlMode !== 'auto' || isProdRelease(context)) return;
    const next = nextOrderToExecute(context.sqlOrders);
    if (!next || next.workflowId === null) return;
    enqueue({ type: 'markExecuteRequested', params: { workflowId: next.workflowId } });
    enqueue({ type: 'archery.executeOrder', params: { workflowId: next.workflowId, sqlId: next.sqlId } });
  }),
);

/**
 * Every mode: cdflow reads the orders' statuses in Archery (read-only in manual and watch), so a failed
 * order fails the release and the API shows live statuses whoever executes.
 */
export const startSqlWatch = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    if (context.timers.includes('archery.poll')) return;
    armTimer(enqueue, context.settings, 'archery.poll');
  }),
);

/**
 * Read Archery again later while an order can still change; once every order ended (mode manual waits
 * for a person's confirmation then), there is nothing more to read.
 */
export const pollWhileOrdersRun = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    if (context.sqlOrders.every((o) => isFinalArcheryStatus(o.status))) return;
    if (context.timers.includes('archery.poll')) return;
    armTimer(enqueue, context.settings, 'archery.poll');
  }),
);

/** Mode auto: Archery refused cdflow's audit of an order; say once that a DBA must audit it. */
export const reportAuditRefused = releaseSetup.createAction(
  enqueueActions(({ context, event, enqueue }) => {
    assertEvent(event, 'SQL_AUDIT_REFUSED');
    const order = context.sqlOrders.find((o) => o.workflowId === event.workflowId);
    enqueue('recordAuditRefused');
    if (order) enqueue({ type: 'jira.comment', params: { body: auditRefusedComment(order, event.reason) } });
  }),
);

/** Cancel in Archery an order created for a superseded submission (while it has not run). */
export const cancelSupersededOrder = releaseSetup.createAction(
  enqueueActions(({ context, event, enqueue }) => {
    assertEvent(event, 'SQL_ORDER_SUBMITTED');
    const replaced = supersededOrder(context, event);
    enqueue('recordSupersededOrder');
    if (isUnexecutedStatus(event.status))
      enqueue({ type: 'archery.cancelOrder', params: cancelParams(context, replaced) });
  }),
);

/** Ask the CMDB for the targets of every item that does not know them yet. */
export const lookUpTargets = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    for (const d of context.deployments) {
      if (d.targets !== null) continue;
      enqueue({
        type: 'cmdb.findTargets',
        params: { env: context.request.env, service: d.service, svnPath: d.svnPath, tag: d.tag },
      });
    }
  }),
);

/** Send every pending deploy in one effect, once every item's targets are known. */
export const deployPending = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    const deploys = deploysToSend(context);
    if (deploys.length === 0) return;
    enqueue('markDeploysSending');
    enqueue({
      type: 'cmdb.deploy',
      params: { env: context.request.env, deploys, everyMs: context.settings.cmdbPollMs },
    });
  }),
);

/** Poll the CMDB while a task runs or a deploy waits for a slot (one poll timer at a time). */
export const ensureCmdbPoll = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    if (cmdbPollNeeded(context.deployments) && !context.timers.includes('cmdb.poll')) {
      armTimer(enqueue, context.settings, 'cmdb.poll');
    }
  }),
);

/**
 * A failed deploy with attempts left is sent again after the retry pause (the original waited 10 s). One
 * timer: a deploy that fails while it runs goes with the others when it fires.
 */
export const ensureRetryTimer = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    if (retryPending(context.deployments) && !context.timers.includes('deploy.retry')) {
      armTimer(enqueue, context.settings, 'deploy.retry');
    }
  }),
);

/** Read the CMDB tasks that run. */
export const pollCmdbTasks = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    const tasks = tasksToPoll(context.deployments);
    if (tasks.length > 0) {
      enqueue({ type: 'cmdb.pollTasks', params: { tasks, everyMs: context.settings.cmdbPollMs } });
    }
  }),
);

function cancelParams(context: ReleaseContext, o: ReplacedOrder) {
  return {
    workflowId: o.workflowId,
    sqlId: o.sqlId,
    reason: `replaced by iteration ${o.iteration} of ${context.releaseId} (${o.reason})`,
  };
}

/** Cancel in Archery the unexecuted orders the new iteration replaced. */
export const cancelReplacedOrders = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    for (const o of ordersReplacedNow(context)) {
      enqueue({ type: 'archery.cancelOrder', params: cancelParams(context, o) });
    }
  }),
);

/**
 * Record a SQL file read from the SQL source. An earlier order held for an item of that file is kept
 * when the text is the one it runs; otherwise it is replaced now and cancelled in Archery.
 */
export const recordReadSqlText = releaseSetup.createAction(
  enqueueActions(({ context, event, enqueue }) => {
    assertEvent(event, 'SQL_TEXT_FETCHED');
    const before = new Set((context.replacedOrders ?? []).map((o) => o.workflowId));
    const after = withReadSqlText(context, event.ref, event.text).replacedOrders ?? [];
    enqueue('recordSqlText');
    for (const o of after) {
      if (!before.has(o.workflowId))
        enqueue({ type: 'archery.cancelOrder', params: cancelParams(context, o) });
    }
  }),
);

/** Show the order list on the issue when it changed since it was last shown (and once an order is in Archery). */
export const showOrderList = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    const orders = orderListEntries(context);
    if (!orders.some((o) => o.workflowId !== null)) return;
    const signature = JSON.stringify(orders);
    if (signature === context.shownOrderList) return;
    enqueue({ type: 'markOrderListShown', params: { signature } });
    enqueue({ type: 'jira.showOrders', params: { orders } });
  }),
);

/** Record polled statuses; orders seen finished before an earlier one are commented once. */
export const recordPolled = releaseSetup.createAction(
  enqueueActions(({ context, event, enqueue }) => {
    assertEvent(event, 'SQL_ORDERS_POLLED');
    const { newly } = markFinishedOutOfOrder(mergePolledOrders(context, event));
    enqueue('recordPolledOrders');
    if (newly.length > 0) {
      enqueue({ type: 'jira.comment', params: { body: finishedOutOfOrderComment(newly) } });
    }
  }),
);

/** A new request for the release: re-plan, write the issue's fields (before any move: rule 7), cancel what it replaced. */
export const beginIterationFromRequest = [
  'beginIterationFromEvent',
  {
    type: 'jira.updateFields',
    params: ({ context }: { context: ReleaseContext }) => ({ content: releaseIssueContent(context) }),
  },
  cancelReplacedOrders,
] as const;

/** The latest request again (重新提交UAT迭代升级, UAT自动迭代升级): re-plan and cancel what it replaced. */
export const beginIterationFromLatestRequest = ['beginIterationFromLatest', cancelReplacedOrders] as const;

// ---- production ----

/** Production: read the host's clock for the change windows. */
export const checkChangeWindow = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    enqueue({ type: 'prod.checkWindow', params: { windows: context.settings.prod?.changeWindows ?? [] } });
  }),
);

/** Production, outside every window: wake at the next window's start (none when no window opens again). */
export const scheduleWindowTimer = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    const window = context.prod?.window;
    if (!window || window.opensAt === null || context.timers.includes('prod.window')) return;
    enqueue({ type: 'addTimer', params: { timer: 'prod.window' } });
    enqueue({
      type: 'timer.schedule',
      params: { timer: 'prod.window', delayMs: Math.max(0, window.opensAt - window.checkedAt) },
    });
  }),
);

/** Move the issue back to an approval step's status, by the step's own return transition. */
function returnForApproval(step: ProdApprovalStep): EffectParams<'jira.moveTo'> {
  return {
    state: 'prodApproval',
    via: 'returnForApproval',
    status: step.status,
    transition: step.returnTransition,
  };
}

/**
 * A new iteration of a production release is approved again from the first step: the issue goes back
 * to the first step's status (from where cdflow last put it), unless it is there.
 */
export const returnToFirstApproval = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    const first = context.settings.prod?.approvals[0];
    if (!isProdRelease(context) || !first || context.jiraMirrorStatus === first.status) return;
    enqueue({ type: 'mirrorJira', params: { state: 'prodApproval' } });
    enqueue({ type: 'jira.moveTo', params: returnForApproval(first) });
  }),
);

/**
 * 重新提交UAT迭代升级 (UAT) or 重新提交运营迭代升级 (production) after a failure: the issue goes to
 * SQL待执行; in production on to the first approval step's status, as the iteration is approved again.
 */
export const moveJiraForIteration = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    const prod = context.settings.prod;
    if (!isProdRelease(context) || !prod) {
      enqueue({ type: 'mirrorJira', params: { state: 'sqlPending' } });
      enqueue({ type: 'jira.moveTo', params: { state: 'sqlPending', via: 'resubmitIteration' } });
      return;
    }
    enqueue({
      type: 'jira.moveTo',
      params: {
        state: 'sqlPending',
        via: 'resubmitProdIteration',
        status: prod.jira.shared.statuses.sqlPending,
        transition: prod.jira.resubmitIterationTransition,
      },
    });
    const first = prod.approvals[0];
    if (!first) return;
    enqueue({ type: 'mirrorJira', params: { state: 'prodApproval' } });
    enqueue({ type: 'jira.moveTo', params: returnForApproval(first) });
  }),
);

/** The approvals a production release waits for (and how it differs from UAT), on the issue. */
export const commentAwaitedApprovals = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    enqueue({ type: 'jira.comment', params: { body: approvalsAwaitedComment(context) } });
  }),
);

/** A refused approval made in Jira: say why, and take the issue back to the step's status. */
export const answerRefusedApproval = releaseSetup.createAction(
  enqueueActions(({ context, event, enqueue }) => {
    assertEvent(event, 'PROD_APPROVED');
    const refusal = approvalRefusal(context, event);
    const step = currentApprovalStep(context);
    enqueue({
      type: 'jira.comment',
      params: { body: approvalRefusedComment(event.by, refusal?.message ?? 'refused', step) },
    });
    if (!step) return;
    enqueue({ type: 'jira.moveTo', params: returnForApproval(step) });
  }),
);

/** Rejected: say who and why on the issue. */
export const commentRejection = releaseSetup.createAction(
  enqueueActions(({ context, enqueue }) => {
    const rejection = context.prod?.rejection;
    if (rejection) enqueue({ type: 'jira.comment', params: { body: rejectedComment(rejection) } });
  }),
);

/** 升级运营环境: the host creates the production release from exactly what this UAT release applied. */
export const promoteToProduction = releaseSetup.createAction(
  enqueueActions(({ context, event, enqueue }) => {
    assertEvent(event, 'PROMOTE_TO_PROD');
    enqueue({
      type: 'release.promote',
      params: {
        by: event.by,
        uat: promotionSource(context),
      },
    });
  }),
);
