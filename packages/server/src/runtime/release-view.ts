/** Builds the query API's view of a release from its stored row and snapshot. */
import {
  currentApprovalStep,
  describeRelease,
  explainRelease,
  type JiraWorkflowNames,
  jiraStatusForState,
  legacySqlInfo,
  legacyUpgradeStatus,
  type PersonEvent,
  prodDifferences,
  productStateOf,
  type ReleaseContext,
  type ReleaseEffect,
  situationErrorMessage,
  sqlFilesToRead,
} from '@cdflow/core';
import type { OutboxRow, ReleaseRow } from '../store/release-repository.js';
import type { LinkedRelease, ProdReleaseView, ReleaseView } from './runtime-api.js';

/** What only the running runtime knows of a release: the effect it waits behind, its timers' due times. */
export interface ReleaseLive {
  /** The head of the release's effect queue (its later effects wait behind it). */
  pendingEffect?: OutboxRow | undefined;
  /** Epoch ms a pending timer of the release fires, if the timer loop has it. */
  timerDueAt?: (name: string) => number | undefined;
  /** Jira groups allowed to send each person event (`people.events`). */
  allowedGroups?: Partial<Record<PersonEvent['type'], readonly string[]>>;
  /** The summary's release in the other environment, as the store has it. */
  linked?: { releaseId: string; issueKey: string | null; state: string; env: 'UAT' | 'PRO' } | null;
  /** The release's failed outbox rows (read by the caller when `listsFailedEffects` says so). */
  failedEffects?: OutboxRow[];
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A production release's approvals and differences as the API shows them. */
function prodView(context: ReleaseContext): ProdReleaseView | null {
  const prod = context.prod;
  const steps = context.settings.prod?.approvals ?? [];
  if (!prod) return null;
  const window = prod.window;
  return {
    origin: prod.origin,
    uatReleaseId: prod.uatReleaseId,
    publishedBy: prod.publishedBy,
    steps: steps.map((s) => ({
      key: s.key,
      label: s.label,
      group: s.group,
      jiraStatus: s.status,
      approvedBy: prod.approvals.find((a) => a.step === s.key)?.by ?? null,
    })),
    waitingFor: currentApprovalStep(context)?.key ?? null,
    refusedApprovals: prod.refusedApprovals,
    rejection: prod.rejection,
    differences: prodDifferences(context),
    notes: prod.notes,
    window: window
      ? {
          checkedAt: new Date(window.checkedAt).toISOString(),
          open: window.open,
          opensAt: isoOrNull(window.opensAt),
          closesAt: isoOrNull(window.closesAt),
        }
      : null,
  };
}

function linkedView(linked: ReleaseLive['linked']): LinkedRelease | null {
  if (!linked) return null;
  return {
    env: linked.env,
    releaseId: linked.releaseId,
    key: linked.issueKey,
    state: productStateOf(linked.state),
  };
}

export function toReleaseView(
  row: ReleaseRow,
  names: JiraWorkflowNames,
  live: ReleaseLive = {},
): ReleaseView {
  const described = describeRelease({ machineVersion: row.machineVersion, snapshot: row.snapshot });
  const context = described.context;
  const head = live.pendingEffect;
  const situation = explainRelease(
    { state: described.state, context },
    {
      names,
      acceptedEvents: described.acceptedEvents,
      releaseRef: row.issueKey ?? row.releaseId,
      ...((context.failedEffects ?? []).length > 0 && live.failedEffects
        ? { failedEffects: live.failedEffects.map((e) => ({ id: e.id, idempotencyKey: e.idempotencyKey })) }
        : {}),
      ...(live.allowedGroups ? { allowedGroups: live.allowedGroups } : {}),
      pendingEffect: head
        ? {
            effect: head.payload as ReleaseEffect,
            attempts: head.attempts,
            nextAttemptAt: head.nextAttemptAt,
            lastError: head.lastError,
            queuedAt: head.createdAt,
          }
        : null,
      timers: context.timers.flatMap((name) => {
        const dueAt = live.timerDueAt?.(name);
        return dueAt === undefined ? [] : [{ name, dueAt }];
      }),
    },
  );
  return {
    key: row.issueKey,
    releaseId: row.releaseId,
    summary: row.summary,
    project: row.project,
    jiraProject: row.jiraProject,
    env: row.env,
    state: productStateOf(described.state),
    step: described.state,
    jiraStatus: jiraStatusForState(described.state, names, context),
    iteration: context.iteration,
    plan: context.plan,
    sqlOrders: context.sqlOrders,
    deployments: context.deployments,
    warnings: context.warnings,
    failure: context.failure,
    situation,
    acceptedEvents: described.acceptedEvents,
    legacy: {
      upgradeStatus: legacyUpgradeStatus({ state: described.state, context }, names),
      sql: legacySqlInfo(context),
      errorMessage: situationErrorMessage(situation),
    },
    sqlTexts: {
      read: Object.entries(context.sqlTexts ?? {}).map(([ref, t]) => ({
        ref,
        hash: t.hash,
        encoding: t.encoding,
        source: t.source,
        bytes: t.bytes,
      })),
      awaiting: sqlFilesToRead(context.request, context.sqlTexts).map((f) => f.ref),
    },
    linked: linkedView(live.linked),
    prod: prodView(context),
    revision: row.revision,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * Whether the release's context lists effects that failed for good (the view then names their outbox ids
 * and the retry route): a look at the stored snapshot, without describing the release.
 */
export function listsFailedEffects(row: ReleaseRow): boolean {
  const context = (row.snapshot as { context?: { failedEffects?: unknown } } | null)?.context;
  return Array.isArray(context?.failedEffects) && context.failedEffects.length > 0;
}
