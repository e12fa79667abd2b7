/**
 * What the HTTP layer needs from the durable release runtime. The routes call these; the runtime
 * (release-runtime.ts) implements them over the store, core's `decide` and the effect runner.
 */
import type {
  Decision,
  Deployment,
  LegacySqlInfo,
  NormalizedRequest,
  PersonEvent,
  PolicyFindingSummary,
  Refusal,
  ReleaseEvent,
  ReleaseFailure,
  ReleasePlan,
  ReleaseSituation,
  SqlOrder,
} from '@cdflow/core';
import type { AuditInput } from '../store/release-repository.js';
import type { ReleaseListFilter } from '../store/release-store.js';

/** How the runtime describes a failure in one line; tools that report the same failures (the CLI) use it too. */
export { describeError } from './effects/effect-errors.js';

/** A release as the query API shows it. */
export interface ReleaseView {
  /** Jira issue key (e.g. AC-101); null until the issue exists. */
  key: string | null;
  releaseId: string;
  summary: string;
  project: string;
  jiraProject: string;
  env: 'UAT' | 'PRO';
  /** State as docs/product.md names it: `sqlPending`, `sqlPending.failed`, `uatComplete`, ... */
  state: string;
  /** The machine's finer step inside that state (e.g. `configExecuting.awaitingConfirmation`). */
  step: string;
  /** Jira status name mirroring the state. */
  jiraStatus: string;
  iteration: number;
  plan: ReleasePlan;
  sqlOrders: SqlOrder[];
  deployments: Deployment[];
  warnings: PolicyFindingSummary[];
  failure: ReleaseFailure | null;
  /**
   * Where the release is and why (core's `explainRelease`): the step in words, what it waits for (a
   * person, a timer, an upstream with its tries and last error) and the last failure in full.
   */
  situation: ReleaseSituation;
  acceptedEvents: string[];
  /**
   * The original program's status answer (core's `legacyUpgradeStatus` and `legacySqlInfo`), for
   * GET /cicdflow/: its number for its five statuses, else the Jira status name; the SQL work orders;
   * the failure's full reason, or a failing upstream's last error ('' when there is none).
   */
  legacy: { upgradeStatus: number | string; sql: LegacySqlInfo[]; errorMessage: string };
  /** SQL files read from the SQL source for the release (`path/file@rev`), and those still to read. */
  sqlTexts: {
    read: Array<{ ref: string; hash: string; encoding: string; source: string; bytes: number }>;
    awaiting: string[];
  };
  /**
   * The release of the same summary in the other environment (a UAT release's production release, a
   * production release's UAT release), or null: the link both ways.
   */
  linked: LinkedRelease | null;
  /** A production release: its origin, approvals (given, refused), rejection, notes, differences, window. */
  prod: ProdReleaseView | null;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface LinkedRelease {
  env: 'UAT' | 'PRO';
  releaseId: string;
  key: string | null;
  state: string;
}

export interface ProdReleaseView {
  origin: 'promotion' | 'request';
  uatReleaseId: string | null;
  publishedBy: string;
  /** The steps in order, each with who approved it (null: not yet). */
  steps: Array<{ key: string; label: string; group: string; jiraStatus: string; approvedBy: string | null }>;
  /** The step the release waits for; null once every step is approved. */
  waitingFor: string | null;
  refusedApprovals: Array<{ step: string; by: string; reason: string }>;
  rejection: { step: string; by: string; reason: string } | null;
  /** How it differs from what its UAT release applied (each also flagged in the plan). */
  differences: Array<{ section: string; id: string; reason: string }>;
  notes: string[];
  /** The last change-window check: open until `closesAt`, or closed until `opensAt` (ISO). */
  window: { checkedAt: string; open: boolean; opensAt: string | null; closesAt: string | null } | null;
}

/**
 * One entry of a release's history: the audit row as it was written (`source`: 'intake' | 'jira' |
 * 'operator' | 'runner' | 'system'), with its number and time.
 */
export interface HistoryEntry extends Required<AuditInput> {
  seq: number;
  at: string;
}

export type IntakeResult =
  | { outcome: 'created'; release: ReleaseView }
  | { outcome: 'iteration'; release: ReleaseView }
  | { outcome: 'refused'; release: ReleaseView; refusal: Refusal };

export type EventResult =
  | { outcome: 'applied'; release: ReleaseView }
  | { outcome: 'refused'; release: ReleaseView; refusal: Refusal };

/** What a person's retry of a failed effect came to. */
export type EffectRetryResult =
  | { outcome: 'queued'; release: ReleaseView }
  | { outcome: 'refused'; release: ReleaseView; refusal: Refusal }
  /** The release has no effect of that id (finished effects leave the outbox). */
  | { outcome: 'unknown-effect'; release: ReleaseView }
  /** The effect has not failed (it is pending or running): nothing to retry. */
  | { outcome: 'not-failed'; release: ReleaseView; status: string };

/** One Jira webhook delivery, already authenticated and parsed by the route. */
export interface JiraDelivery {
  /** Derived dedupe key (Data Center sends no delivery id). */
  dedupeKey: string;
  webhookEvent: string;
  issueKey: string | null;
  /**
   * The status change item of the changelog, when present (any position in `items`), or the
   * `transition` of a post-function webhook (which has no changelog).
   */
  statusChange: { from: string; to: string } | null;
  /** The transition's name, when the delivery names it (post-function webhooks). */
  transitionName?: string | null;
  /** Jira user name (or key) that made the change. */
  user: string | null;
  timestamp: number | null;
}

/** A release changed (a decision was committed); read it again for its new state. */
export interface ReleaseChange {
  releaseId: string;
  /** Set when the commit decided an event or created the release (notifications, the inspector). */
  decided?: DecidedChange;
}

/** The decision a change committed: the event, the state before, and core's decision (accepted or not). */
export interface DecidedChange {
  /** The event decided; null for the release's first decision (startRelease). */
  event: ReleaseEvent | null;
  /** Machine state before the decision; null when it created the release. */
  fromState: string | null;
  decision: Decision;
}

/** Which releases a list shows: the store's filter, as the runtime passes it on. */
export type ListFilter = ReleaseListFilter;

export interface ReleaseRuntimeApi {
  /** A validated, normalised request from the release system: create, iterate, or refuse (409). */
  intake(request: NormalizedRequest, by: string): Promise<IntakeResult>;
  /** A person's decision through the operator API. `ref` is the issue key or the release id. Null when unknown. */
  sendEvent(
    ref: string,
    event: PersonEvent,
    source: 'operator',
    env?: 'UAT' | 'PRO',
  ): Promise<EventResult | null>;
  /**
   * A person runs again an effect that failed for good (its outbox id, as the release's situation names
   * it); recorded in the history under `by`. Null when the release is unknown.
   */
  retryEffect(ref: string, effectId: number, by: string): Promise<EffectRetryResult | null>;
  /**
   * Persist the delivery (dedupe by key) and return at once; the work (re-read the issue, map the
   * change, apply or refuse with a comment) happens after the caller has answered Jira.
   */
  acceptJiraDelivery(delivery: JiraDelivery, rawSize: number): Promise<{ duplicate: boolean }>;
  /** By issue key, release id or summary (a summary's UAT release unless `env` says). */
  getRelease(ref: string, env?: 'UAT' | 'PRO'): Promise<ReleaseView | null>;
  findBySummary(summary: string, env?: 'UAT' | 'PRO'): Promise<ReleaseView | null>;
  listReleases(filter: ListFilter): Promise<{ total: number; items: ReleaseView[] }>;
  history(ref: string, env?: 'UAT' | 'PRO'): Promise<HistoryEntry[] | null>;
  /** Be told after every committed change of any release; returns the unsubscribe function. */
  subscribe(listener: (change: ReleaseChange) => void): () => void;
  /**
   * The Jira groups of `username` as Jira's REST API says (GET /user?expand=groups): who may give a
   * production approval through the operator API is checked against Jira, as a Jira move is.
   */
  jiraUserGroups(username: string): Promise<string[]>;
  /** Whether production upstreams are configured (a production release is refused without them). */
  prodConfigured(): boolean;
  /** Store reachable (asked at most once a second) and the runtime started and not stopping. */
  ready(): Promise<boolean>;
  /** Resume pending effects and timers; start the runner and the timer loop. */
  start(): Promise<void>;
  /** Stop taking work, finish in-flight effects (bounded), close the store. */
  stop(): Promise<void>;
  /** Resolves when no effect or timer due now is pending (for tests and the demo). */
  idle(): Promise<void>;
}
