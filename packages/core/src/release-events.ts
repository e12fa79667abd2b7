/**
 * Everything that can happen to a release, as machine events. Three sources:
 * - people (a Jira status change mapped by `jiraChangeToEvent`, or an operator via the API): carry `by`;
 * - the release system (a new request for an existing release): `NEW_ITERATION`;
 * - the host's effect runner, reporting the outcome of an effect (see release-effects.ts).
 */
import type { TimerName } from './release-timers.js';
import type {
  AppliedState,
  ArcheryStatus,
  NormalizedRequest,
  PolicyFindingSummary,
  SqlText,
} from './release-types.js';

/** Where a person's decision came from: a Jira move, or the operator API (an authenticated person). */
export type DecisionChannel = 'jira' | 'api';

/** Decisions made by a person, in Jira or through the operator API. */
export type PersonEvent =
  | { type: 'SQL_CONFIRMED'; by: string } // SQL升级成功
  | { type: 'SQL_REPORTED_FAILED'; by: string; reason?: string } // SQL升级失败
  | { type: 'RETRY_SQL_SUBMIT'; by: string } // 触发提交SQL
  | { type: 'CONFIG_CONFIRMED'; by: string } // 配置升级成功
  | { type: 'CONFIG_REPORTED_FAILED'; by: string; reason?: string } // 配置升级失败
  | { type: 'RESUBMIT_CONFIG'; by: string } // 重新提交配置
  | { type: 'RESUBMIT_CODE'; by: string } // 重新提交代码
  | { type: 'RESUBMIT_ITERATION'; by: string } // 重新提交UAT迭代升级 (re-plan the latest request)
  | { type: 'UAT_AUTO_ITERATION'; by: string } // UAT自动迭代升级 (re-plan the latest request)
  | { type: 'UAT_MANUAL_ITERATION'; by: string } // UAT手动迭代升级
  /**
   * 升级运营环境. `prodUpstreams`: the host says whether production upstreams are configured (false:
   * refused, the UAT release stays in UAT升级完成); absent when the host does not say.
   */
  | { type: 'PROMOTE_TO_PROD'; by: string; prodUpstreams?: boolean }
  | { type: 'FINISH'; by: string } // 升级结束
  /**
   * A production approval step approved (DBA审批通过, SA审批通过, 组长审批通过, or the operator API).
   * `groups` are the approver's Jira groups as the host verified them (Jira's REST API for a Jira move,
   * the authenticated person for the API). `step`: the step the approver means (the current one when
   * absent). `acknowledgeDifferences`: the API caller approves the differences from UAT explicitly.
   */
  | {
      type: 'PROD_APPROVED';
      by: string;
      via: DecisionChannel;
      groups: string[];
      step?: string;
      acknowledgeDifferences?: boolean;
    }
  /** 审批驳回: an approver rejects the production release (it ends). */
  | { type: 'PROD_REJECTED'; by: string; via: DecisionChannel; groups: string[]; reason?: string };

/** A new request for an existing release (same summary) from the release system. */
export type IterationEvent = {
  type: 'NEW_ITERATION';
  request: NormalizedRequest;
  by: string;
  /**
   * A production release: what its UAT release has applied now (the base of the differences), or null
   * when there is none; absent keeps the base the release had.
   */
  uat?: { releaseId: string; applied: AppliedState } | null;
};

/**
 * A person's request through the operator API that is no Jira move: run again an effect that failed for
 * good (`idempotencyKey` of the failed effect, as the release's `failedEffects` list it).
 */
export type OperatorEvent = {
  type: 'EFFECT_RETRY_REQUESTED';
  idempotencyKey: string;
  effectType: string;
  by: string;
};

/** One order as Archery answered a read of it. */
export interface ReadOrder {
  workflowId: number;
  status: ArcheryStatus;
  error: string | null;
  /** Archery's `finish_time` (naive local time), when it finished. */
  finishedAt?: string | null;
}

/** One message of Archery's own check of an item (a goInception row at errlevel 1 or 2). */
export interface SqlCheckMessage {
  /** The statement the row is about (as Archery echoes it, shortened). */
  statement: string;
  message: string;
}

/** Outcomes of effects, reported by the host's effect runner. */
export type EffectResultEvent =
  | { type: 'ISSUE_READY'; issueKey: string; created: boolean }
  /** A SQL file was read and decoded; `ref` is `sqlFileRefLabel` of the file. */
  | { type: 'SQL_TEXT_FETCHED'; ref: string; text: SqlText }
  /** A SQL file cannot be read (not there at that revision, not decodable, no source): the items fail. */
  | { type: 'SQL_FETCH_FAILED'; ref: string; sqlIds: string[]; reason: string }
  | { type: 'POLICY_CHECKED'; findings: PolicyFindingSummary[] }
  /** Archery's instance, group and database of every pending order (before anything is submitted). */
  | { type: 'SQL_ROUTES_RESOLVED'; routes: Array<{ sqlId: string; dbName: string }> }
  /** Some routes lead nowhere in Archery: the iteration submits nothing. */
  | {
      type: 'SQL_ROUTES_FAILED';
      failures: Array<{ sqlId: string; instance: string; group: string; reason: string }>;
    }
  /**
   * Archery's own check (`sqlcheck`) of every pending item, before any is submitted: errors stop the
   * submission, warnings are recorded. `hash` is the content checked (a stale answer is told apart).
   */
  | {
      type: 'SQL_CHECKED';
      items: Array<{ sqlId: string; hash: string; errors: SqlCheckMessage[]; warnings: SqlCheckMessage[] }>;
    }
  | {
      type: 'SQL_ORDER_SUBMITTED';
      sqlId: string;
      workflowId: number;
      status: ArcheryStatus;
      /** The order's name in Archery (an order found there may carry an earlier numbering). */
      workflowName?: string;
      /** Archery's message for an order it rejected at submission (its auto review's errors). */
      error?: string | null;
      /**
       * What was submitted: the content hash and the target (instance, database). The order is bound to
       * the item only when they are the item's now; otherwise it was superseded and is cancelled. Absent
       * in answers of submissions queued before they existed (bound by `sqlId` alone).
       */
      hash?: string;
      instance?: string;
      dbName?: string;
    }
  /** `hash`: the content whose submission failed (a late failure of replaced content is told apart). */
  | { type: 'SQL_SUBMIT_FAILED'; sqlId: string; reason: string; hash?: string }
  | { type: 'SQL_ORDERS_POLLED'; orders: ReadOrder[] }
  /**
   * A fresh read of every order, taken after a person's SQL升级成功 (`archery.readOrders`): the
   * confirmation stands only when Archery shows every order finished. `readError`: Archery could not be
   * read (the confirmation is refused, to be given again).
   */
  | { type: 'SQL_CONFIRMATION_CHECKED'; orders: ReadOrder[]; readError?: string }
  /**
   * Mode auto: Archery refused cdflow's own audit of an order (e.g. `ban_self_audit`) and the order is
   * still under review: a DBA must audit it; cdflow keeps reading it and does not audit it again.
   */
  | { type: 'SQL_AUDIT_REFUSED'; workflowId: number; sqlId: string; reason: string }
  | { type: 'CONFIG_APPLIED' }
  | { type: 'CONFIG_APPLY_FAILED'; reason: string }
  /** The CMDB targets of a code item ([] when it has none: the item fails naming path and tag). */
  | { type: 'DEPLOY_TARGETS_FOUND'; service: string; targets: Array<{ id: number; name: string }> }
  /** What became of the deploys one `cmdb.deploy` effect sent. */
  | { type: 'DEPLOYS_REPORTED'; deploys: DeployReport[] }
  /** A code item could not be deployed at all (its targets could not be looked up). */
  | { type: 'DEPLOY_FAILED'; service: string; reason: string }
  | {
      type: 'DEPLOY_TASKS_POLLED';
      tasks: Array<{
        service: string;
        targetId: number;
        attempt: number;
        status: 'pending' | 'running' | 'success' | 'failed';
        message: string | null;
      }>;
    }
  | { type: 'TIMER_FIRED'; timer: TimerName }
  /** The host's clock, read for a change-window check (epoch ms): core computes the windows from it. */
  | { type: 'CHANGE_WINDOW_CHECKED'; now: number }
  /**
   * An effect failed for good (not retryable, or retries exhausted) and nothing retries it by itself:
   * recorded as the release's failure and in `failedEffects`, until a person retries it.
   */
  | { type: 'EFFECT_FAILED'; effectType: string; idempotencyKey: string; reason: string };

/**
 * One deploy's outcome: `started` (a CMDB task to poll), `success`/`failed` (a synchronous CMDB answered,
 * or the deploy could not be sent), `queued` (no deploy slot was free: sent again at the next poll).
 */
export type DeployReport = {
  service: string;
  targetId: number;
  attempt: number;
  /** Sent without knowing whether an earlier send ran (restart, lost answer) to a CMDB without idempotency. */
  resent?: boolean;
} & (
  | { outcome: 'started'; taskId: string }
  | { outcome: 'success'; message: string | null }
  | { outcome: 'failed'; message: string }
  | { outcome: 'queued'; message: string }
);

export type ReleaseEvent = PersonEvent | IterationEvent | OperatorEvent | EffectResultEvent;
export type ReleaseEventType = ReleaseEvent['type'];

export const personEventTypes = [
  'SQL_CONFIRMED',
  'SQL_REPORTED_FAILED',
  'RETRY_SQL_SUBMIT',
  'CONFIG_CONFIRMED',
  'CONFIG_REPORTED_FAILED',
  'RESUBMIT_CONFIG',
  'RESUBMIT_CODE',
  'RESUBMIT_ITERATION',
  'UAT_AUTO_ITERATION',
  'UAT_MANUAL_ITERATION',
  'PROMOTE_TO_PROD',
  'FINISH',
  'PROD_APPROVED',
  'PROD_REJECTED',
] as const satisfies ReadonlyArray<PersonEvent['type']>;

/** Person events that carry a free-text `reason` (the operator API and the console offer a field for it). */
export const personEventsWithReason = [
  'SQL_REPORTED_FAILED',
  'CONFIG_REPORTED_FAILED',
  'PROD_REJECTED',
] as const satisfies ReadonlyArray<PersonEvent['type']>;

export function isPersonEventType(type: string): type is PersonEvent['type'] {
  return (personEventTypes as readonly string[]).includes(type);
}

/**
 * The person events among `types`, in their order: what a caller (an operator, a Jira move) may send.
 * Effect outcomes, timers and the release system's NEW_ITERATION are the machine's own.
 */
export function personEventsAmong(types: readonly string[]): Array<PersonEvent['type']> {
  return types.filter(isPersonEventType);
}

/**
 * A person's decision as the operator API takes it: each event gets the fields it carries, from what
 * the caller sent and who the authenticated caller is (their name and Jira groups, never a `by` typed
 * in the body).
 */
export function operatorPersonEvent(input: {
  type: PersonEvent['type'];
  by: string;
  groups: readonly string[];
  reason?: string;
  step?: string;
  acknowledgeDifferences?: boolean;
}): PersonEvent {
  const { type, by, reason } = input;
  switch (type) {
    case 'PROD_APPROVED':
      return {
        type,
        by,
        via: 'api',
        groups: [...input.groups],
        ...(input.step === undefined ? {} : { step: input.step }),
        ...(input.acknowledgeDifferences === undefined
          ? {}
          : { acknowledgeDifferences: input.acknowledgeDifferences }),
      };
    case 'PROD_REJECTED':
      return { type, by, via: 'api', groups: [...input.groups], ...(reason === undefined ? {} : { reason }) };
    case 'SQL_REPORTED_FAILED':
    case 'CONFIG_REPORTED_FAILED':
      return { type, by, ...(reason === undefined ? {} : { reason }) };
    default:
      return { type, by } as PersonEvent;
  }
}

/** What only the host knows and a decision needs: whether production upstreams are configured. */
export interface HostFacts {
  prodUpstreams: boolean;
}

/** The event with the host's facts it needs (a promotion: whether production is configured). */
export function withHostFacts(event: PersonEvent, facts: HostFacts): PersonEvent {
  return event.type === 'PROMOTE_TO_PROD' ? { ...event, prodUpstreams: facts.prodUpstreams } : event;
}

/**
 * The Jira user whose groups the host must look up before a Jira move of theirs is decided (a
 * production approval or rejection), or null. A move seen only by re-reading Jira has no known author:
 * its approval counts for nobody's group (it is refused and taken back; the approver approves again).
 */
export function approverToLookUp(event: PersonEvent): string | null {
  if (event.type !== 'PROD_APPROVED' && event.type !== 'PROD_REJECTED') return null;
  if (event.via !== 'jira' || event.by.startsWith('unknown')) return null;
  return event.by;
}

/** The approval or rejection with the groups the host verified in Jira. */
export function withApproverGroups(event: PersonEvent, groups: readonly string[] | null): PersonEvent {
  if (groups === null || (event.type !== 'PROD_APPROVED' && event.type !== 'PROD_REJECTED')) return event;
  return { ...event, groups: [...groups] };
}
