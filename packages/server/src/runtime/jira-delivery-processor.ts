/**
 * Processes Jira webhook deliveries once they are committed and Jira has had its answer: re-read the
 * issue (the delivery is only a hint), map its status to a person's decision, and apply it or refuse it
 * with a comment. All the work on a release happens in that release's queue slot, like every other event.
 */
import {
  approverToLookUp,
  describeRelease,
  interpretJiraDelivery,
  type JiraDeliveryHint,
  jiraDecisionRefusedComment,
  type ReleaseEffect,
  retryDelayMs,
  seenOnReadingJira,
  shouldRetry,
  withApproverGroups,
  withHostFacts,
} from '@cdflow/core';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import type { AuditInput } from '../store/release-repository.js';
import { DeliveryProcessedError, type DeliveryStore, type ReleaseStore } from '../store/release-store.js';
import type { ReplicaClaims } from './effect-runner.js';
import { describeError } from './effects/effect-errors.js';
import type { RuntimePorts } from './effects/runtime-ports.js';
import { KeyQueue } from './key-queue.js';
import type { ReleaseDecisions } from './release-decisions.js';
import { deliveryRetryPolicy } from './retry-policies.js';
import type { JiraDelivery } from './runtime-api.js';

/**
 * Processing a delivery is not fsync'd: the delivery itself was, before Jira had its answer, and one left
 * unprocessed by a power loss is processed again at the next start.
 */
const notDurable = { durable: false } as const;

export interface JiraDeliveryProcessorOptions {
  store: ReleaseStore;
  deliveries: DeliveryStore;
  ports: Pick<RuntimePorts, 'jira'>;
  config: ServerConfig;
  logger: Logger;
  decisions: ReleaseDecisions;
  /** Replicas: a delivery is claimed before it is processed (one replica processes it). */
  replica?: ReplicaClaims;
}

/** Steps in which cdflow checks a person's move with an upstream: people's later moves wait for it. */
const movesWaitIn: ReadonlySet<string> = new Set(['sqlExecuting.confirming']);

export class JiraDeliveryProcessor {
  private readonly background = new Set<Promise<unknown>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** Deliveries of one issue run one at a time, in arrival order. */
  private readonly issues = new KeyQueue();
  /** Deliveries scheduled or being processed here (replicas: the sweep leaves them alone). */
  private readonly mine = new Set<number>();
  /** Deliveries waiting here for a retry's time (still in hand: the sweep must not run them early). */
  private readonly retrying = new Set<number>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(private readonly options: JiraDeliveryProcessorOptions) {}

  /** Deliveries being processed now (a retry waiting for its time is not one). */
  get inFlight(): Promise<unknown>[] {
    return [...this.background];
  }

  get busy(): boolean {
    return this.background.size > 0;
  }

  /** Persist the delivery (dedupe by key) and process it after the caller has answered Jira. */
  async accept(
    delivery: JiraDelivery,
    rawSize: number,
    options: { durable?: boolean | 'batched' } = {},
  ): Promise<{ duplicate: boolean }> {
    // A delivery without a status change is settled as it arrives: stored processed, in one write.
    const processed = delivery.statusChange === null ? (await this.settled(delivery)).processed : undefined;
    const id = await this.options.deliveries.insert(
      {
        dedupeKey: delivery.dedupeKey,
        webhookEvent: delivery.webhookEvent,
        issueKey: delivery.issueKey,
        delivery,
        rawSize,
        ...(processed ? { processed } : {}),
      },
      options,
    );
    if (id === null) return { duplicate: true };
    // Processed from what was just stored: no read of the row back.
    if (!processed) this.schedule(id, 0, delivery.issueKey, delivery);
    return { duplicate: false };
  }

  /**
   * The outcome of a delivery that asks for no decision: about no issue, about an issue cdflow does not
   * manage, or with no status change (comments, field edits, creation: no decision of a person to map,
   * and answering a comment with a comment would feed a loop); else the release it has a decision for.
   */
  private async settled(
    delivery: JiraDelivery,
  ): Promise<
    | { processed: { outcome: string; detail: unknown }; releaseId?: never }
    | { processed?: never; releaseId: string }
  > {
    if (!delivery.issueKey) {
      return { processed: { outcome: 'no-issue', detail: { webhookEvent: delivery.webhookEvent } } };
    }
    const releaseId = await this.options.store.releaseIdOfIssue(delivery.issueKey);
    if (releaseId === undefined) {
      this.options.logger.info(
        { issueKey: delivery.issueKey },
        'Jira delivery for an issue cdflow does not manage',
      );
      const detail = { issueKey: delivery.issueKey, webhookEvent: delivery.webhookEvent };
      return { processed: { outcome: 'unknown-issue', detail } };
    }
    if (delivery.statusChange === null) {
      const detail = {
        issueKey: delivery.issueKey,
        webhookEvent: delivery.webhookEvent,
        user: delivery.user,
      };
      return { processed: { outcome: 'no-status-change', detail } };
    }
    return { releaseId };
  }

  /**
   * Process the deliveries accepted and not processed yet: after the last stop, and (replicas) those a
   * replica that died accepted — each is claimed before it is processed, so one replica does it.
   */
  async resume(): Promise<void> {
    for (const delivery of await this.options.deliveries.unprocessed())
      this.schedule(delivery.id, 0, delivery.issueKey);
    if (this.options.replica) this.sweepSoon();
  }

  /**
   * Replicas: a replica that dies (or loses its database) between accepting a delivery and processing it
   * leaves the row `received`. Every half lease the rows not in hand here are scheduled again; each is
   * claimed first, which succeeds only once its owner's lease ran out, so the others take it over.
   */
  private sweepSoon(): void {
    const replica = this.options.replica;
    if (!replica || this.stopping) return;
    this.sweepTimer = setTimeout(
      () => {
        this.sweepTimer = null;
        void this.options.deliveries
          .unprocessed()
          .then((rows) => {
            for (const row of rows) if (!this.mine.has(row.id)) this.schedule(row.id, 0, row.issueKey);
          })
          .catch(() => undefined) // the store is away: the next sweep looks again
          .finally(() => this.sweepSoon());
      },
      Math.max(replica.pollMs, replica.leaseMs / 2),
    );
    this.sweepTimer.unref();
  }

  /** Take no more deliveries and drop the retries waiting for their time (they resume at the next start). */
  stop(): void {
    this.stopping = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }

  /**
   * Process after the caller has answered Jira (the delivery is already committed). The deliveries of one
   * issue are processed one after the other in the order they arrived: their store reads before the
   * release's slot take their own time, and two quick moves must reach the release in order.
   */
  private schedule(id: number, delayMs = 0, issueKey: string | null = null, accepted?: JiraDelivery): void {
    if (this.stopping) return;
    this.mine.add(id);
    let settle: () => void = () => {};
    const tracked = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.background.add(tracked);
    const run = () => {
      const task = () => this.process(id, accepted);
      const processed = issueKey === null ? Promise.resolve().then(task) : this.issues.run(issueKey, task);
      processed
        .catch((error: unknown) => {
          // Another replica processed it first (its claim of this one had run out): nothing to do.
          if (error instanceof DeliveryProcessedError) return;
          this.options.logger.error(
            { delivery: id, err: describeError(error) },
            'Jira delivery processing failed',
          );
        })
        .finally(() => {
          if (!this.retrying.has(id)) this.mine.delete(id);
          this.background.delete(tracked);
          settle();
        });
    };
    if (delayMs > 0) {
      // A retry later is not "work in flight" for idle(): drop the marker until it runs.
      this.background.delete(tracked);
      settle();
      this.retrying.add(id);
      const t = setTimeout(() => {
        this.retryTimers.delete(t);
        this.retrying.delete(id);
        this.schedule(id, 0, issueKey);
      }, delayMs);
      this.retryTimers.add(t);
      return;
    }
    setImmediate(run);
  }

  /** `accepted`: the delivery this process has just stored (received, never tried), so not read back. */
  private async process(id: number, accepted?: JiraDelivery): Promise<void> {
    const { deliveries, logger } = this.options;
    const replica = this.options.replica;
    if (replica && !(await deliveries.claim(id, replica.owner, replica.leaseMs))) return;
    const row = accepted ? { status: 'received', delivery: accepted, attempts: 0 } : await deliveries.get(id);
    if (row?.status !== 'received' || this.stopping) return;
    const delivery = row.delivery as JiraDelivery;
    const { processed, releaseId } = await this.settled(delivery);
    if (processed) {
      // Recorded; the release's own state is untouched.
      await deliveries.finish(id, processed.outcome, processed.detail, notDurable);
      return;
    }
    // In the release's slot (one delivery at a time per release, in order), the issue is read first,
    // then the decision taken holding the release (no upstream call while the store's lock is held).
    await this.options.decisions.serial(releaseId, async () => {
      // cdflow is checking a person's earlier move against Archery (SQL升级成功): a later move waits for
      // that check, to be judged where the release then stands (both applied, in order).
      const step = await this.options.decisions.head(releaseId);
      if (step && movesWaitIn.has(describeRelease(step.persisted).state)) {
        this.schedule(id, this.options.config.timings.effectRetryBaseMs, delivery.issueKey);
        return;
      }
      let currentStatus: string;
      let groups: string[] | null;
      try {
        currentStatus = (await this.options.ports.jira.getIssue(delivery.issueKey as string)).status;
        // A production approval counts only from the step's group: Jira says which groups its author is in.
        groups = await this.approverGroups(releaseId, delivery, currentStatus);
      } catch (error) {
        const reason = describeError(error);
        const attempts = row.attempts + 1;
        const policy = deliveryRetryPolicy(this.options.config.timings);
        if (shouldRetry(policy, attempts, error)) {
          await deliveries.recordAttempt(id, attempts, reason);
          this.schedule(id, retryDelayMs(policy, attempts, error), delivery.issueKey);
        } else {
          await deliveries.finish(id, 'error', { error: reason, attempts }, notDurable);
        }
        logger.warn({ issueKey: delivery.issueKey, err: reason }, 'could not re-read the Jira issue');
        return;
      }
      await this.options.decisions.locked(releaseId, () =>
        this.decide(id, releaseId, delivery, currentStatus, groups),
      );
    });
  }

  /** The Jira groups of the person whose move is a production approval or rejection (null: none needed). */
  private async approverGroups(
    releaseId: string,
    delivery: JiraDelivery,
    currentStatus: string,
  ): Promise<string[] | null> {
    const head = await this.options.decisions.head(releaseId);
    if (!head) return null;
    const { config } = this.options;
    const answer = interpretJiraDelivery(
      describeRelease(head.persisted),
      deliveryHint(delivery),
      currentStatus,
      { names: config.jira.names, cdflowUser: config.jira.user },
    );
    const user = answer.kind === 'event' ? approverToLookUp(answer.event) : null;
    return user === null ? null : this.options.ports.jira.userGroups(user);
  }

  /** Map the issue's current status (the delivery is only a hint) to a decision. Holding the release. */
  private async decide(
    id: number,
    releaseId: string,
    delivery: JiraDelivery,
    currentStatus: string,
    groups: string[] | null = null,
  ): Promise<void> {
    // Replicas: another one may have decided this delivery while this one re-read Jira (the release's
    // lock orders them; what it committed is visible now).
    if (this.options.replica && (await this.options.deliveries.get(id))?.status !== 'received') return;
    const head = await this.options.decisions.head(releaseId);
    if (!head) return;
    const { config, decisions } = this.options;
    const names = config.jira.names;
    const release = describeRelease(head.persisted);
    const by = delivery.user ?? 'unknown';
    const base = { issueKey: delivery.issueKey, by, current: currentStatus, hint: delivery.statusChange };
    const answer = interpretJiraDelivery(release, deliveryHint(delivery), currentStatus, {
      names,
      cdflowUser: config.jira.user,
    });
    switch (answer.kind) {
      case 'in-sync':
        // Jira already shows what the machine says: an echo, a duplicate or a late delivery.
        await this.options.deliveries.finish(id, 'in-sync', base, notDurable);
        return;
      case 'echo':
      case 'ignored':
        await decisions.commit(
          {
            releaseId,
            audit:
              answer.kind === 'ignored'
                ? [unappliedMove(head.state, answer.change, 'ignored', answer.reason)]
                : [],
            finishDelivery: {
              id,
              outcome: answer.kind,
              detail: { ...base, ...(answer.kind === 'ignored' ? { reason: answer.reason } : {}) },
            },
            durable: false,
          },
          [],
        );
        return;
      case 'refused':
        await decisions.commit(
          {
            releaseId,
            audit: [unappliedMove(head.state, answer.change, 'refused', answer.reason)],
            finishDelivery: { id, outcome: 'refused', detail: { ...base, reason: answer.reason } },
            durable: false,
          },
          [refusalComment(releaseId, id, answer.comment)],
        );
        return;
      case 'event': {
        const event = withHostFacts(withApproverGroups(answer.event, groups), {
          prodUpstreams: config.environments.PRO !== null,
        });
        await decisions.apply(releaseId, event, {
          source: 'jira',
          actor: answer.change.by,
          durable: false,
          finishDelivery: (decision) => ({
            id,
            outcome: decision.accepted ? 'applied' : 'refused',
            detail: {
              ...base,
              event: answer.event.type,
              ...(answer.catchUp ? { jiraNow: currentStatus } : {}),
              ...(decision.refusal ? { refusal: decision.refusal } : {}),
            },
          }),
          extraEffects: (decision) =>
            decision.refusal
              ? [
                  refusalComment(
                    releaseId,
                    id,
                    jiraDecisionRefusedComment(release, answer.change, decision.refusal, names),
                  ),
                ]
              : [],
        });
        if (answer.catchUp)
          await this.catchUpWithJira(releaseId, currentStatus, answer.replay ? deliveryHint(delivery) : null);
        return;
      }
    }
  }

  /**
   * After a delivery's step, apply the person's next step, if it is one: the delivery's own change when
   * the step was one Jira took before it (`replay`), else what the re-read status shows.
   */
  private async catchUpWithJira(
    releaseId: string,
    currentStatus: string,
    replay: JiraDeliveryHint | null,
  ): Promise<void> {
    const head = await this.options.decisions.head(releaseId);
    if (!head) return;
    const { config } = this.options;
    const release = describeRelease(head.persisted);
    const next = interpretJiraDelivery(
      release,
      replay ?? { change: null, by: seenOnReadingJira },
      currentStatus,
      {
        names: config.jira.names,
        cdflowUser: config.jira.user,
      },
    );
    // Only an accepted step is caught up; anything else waits for that move's own delivery.
    if (next.kind !== 'event') return;
    await this.options.decisions.apply(
      releaseId,
      withHostFacts(next.event, { prodUpstreams: config.environments.PRO !== null }),
      { source: 'jira', actor: next.change.by, durable: false },
    );
    if (next.catchUp) await this.catchUpWithJira(releaseId, currentStatus, null);
  }
}

/** What a delivery says happened, as core reads it (the same hint for its first reading and a replay). */
function deliveryHint(delivery: JiraDelivery): JiraDeliveryHint {
  return {
    change: delivery.statusChange,
    transitionName: delivery.transitionName ?? null,
    by: delivery.user ?? 'unknown',
  };
}

/** The comment answering a person's move that decided nothing (one per delivery). */
function refusalComment(releaseId: string, deliveryId: number, body: string): ReleaseEffect {
  return {
    type: 'jira.comment',
    idempotencyKey: `${releaseId}:delivery:${deliveryId}:comment`,
    revision: 0,
    body,
  };
}

/** The audit entry of a person's move that decides no event: the release stays in `state`. */
function unappliedMove(
  state: string,
  change: { from: string; to: string; by: string },
  outcome: 'ignored' | 'refused',
  reason: string,
): AuditInput {
  return {
    source: 'jira',
    actor: change.by,
    event: 'JIRA_STATUS_CHANGE',
    fromState: state,
    toState: state,
    accepted: false,
    detail: { ...change, outcome, reason },
  };
}
