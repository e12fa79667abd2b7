/**
 * Jira Server does not deliver a webhook again: a person's move made while cdflow was down, or whose
 * delivery was lost, would leave the release waiting forever. Every `jiraReconcileMs` the releases that
 * wait on a person are compared with their issue; a difference is fed to the delivery processor as a
 * delivery of its own, so it is mapped, applied or refused exactly like a webhook.
 */
import { describeRelease, jiraStatusForState, personWaitStates } from '@cdflow/core';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import type { DeliveryStore, ReleaseStore } from '../store/release-store.js';
import { describeError } from './effects/effect-errors.js';
import type { RuntimePorts } from './effects/runtime-ports.js';
import type { JiraDeliveryProcessor } from './jira-delivery-processor.js';

/** Releases compared per sweep (oldest change first), so one sweep stays a bounded number of Jira reads. */
const sweepLimit = 100;

export interface JiraReconcilerOptions {
  store: ReleaseStore;
  deliveries: DeliveryStore;
  processor: JiraDeliveryProcessor;
  ports: Pick<RuntimePorts, 'jira'>;
  config: ServerConfig;
  logger: Logger;
  /**
   * Replicas: the sweep runs on the one replica holding this owner's sweep lease (taken, or kept, at each
   * sweep); the others skip their turn.
   */
  replicaOwner?: string;
}

const sweepLeaseName = 'jira-reconcile';

export class JiraReconciler {
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Where the last sweep stopped (a release's updatedAt): the next one goes on from there. */
  private cursor: string | null = null;

  constructor(private readonly options: JiraReconcilerOptions) {}

  start(): void {
    if (this.options.config.timings.jiraReconcileMs > 0) this.arm();
  }

  stop(): void {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sweep()
        .catch((error: unknown) =>
          this.options.logger.warn({ err: describeError(error) }, 'Jira reconciliation sweep failed'),
        )
        .finally(() => this.arm());
    }, this.options.config.timings.jiraReconcileMs);
  }

  /** Compare the releases waiting on people with Jira; returns how many differences were handed on. */
  async sweep(): Promise<number> {
    const { store, deliveries, processor, ports, config, logger, replicaOwner } = this.options;
    const t = config.timings;
    if (replicaOwner !== undefined) {
      // Held for two periods: renewed by every sweep of its holder, taken over when that one stops.
      const held = await store.acquireSweepLease(sweepLeaseName, replicaOwner, 2 * t.jiraReconcileMs + 1_000);
      if (!held) return 0;
    }
    const now = Date.now();
    // Changes younger than the grace period may still have their webhook on the way.
    const before = new Date(now - t.jiraMoveGraceMs).toISOString();
    const windowStart = new Date(now - t.jiraReconcileWindowMs).toISOString();
    const since = this.cursor !== null && this.cursor > windowStart ? this.cursor : windowStart;
    const rows = await store.awaitingPeople(personWaitStates, since, before, sweepLimit);
    // A full page: go on after it next time; a short one: the next sweep starts over from the window.
    this.cursor = rows.length === sweepLimit ? rows[rows.length - 1]!.updatedAt : null;
    let handed = 0;
    for (const row of rows) {
      if (this.stopping) break;
      const issueKey = row.issueKey;
      if (issueKey === null) continue;
      // cdflow is still working on it in Jira (its own moves or comments pending), or a delivery about it
      // is being processed. A read of Archery or the CMDB (a poll, in every SQL mode) does not hold it.
      if ((await store.pendingEffects(row.releaseId)).some((e) => e.type.startsWith('jira.'))) continue;
      const latest = await deliveries.latestFor(issueKey);
      if (latest?.status === 'received') continue;
      let status: string;
      try {
        status = (await ports.jira.getIssue(issueKey)).status;
      } catch (error) {
        logger.warn({ issueKey, err: describeError(error) }, 'reconciliation could not read the Jira issue');
        continue;
      }
      const described = describeRelease({ machineVersion: row.machineVersion, snapshot: row.snapshot });
      const names = config.jira.names;
      if (status === jiraStatusForState(described.state, names, described.context)) continue;
      // The last delivery since the release's last change already saw Jira like this and was refused or
      // ignored (with its comment): nothing new. An echo of cdflow's own move processed late may have
      // seen a person's later move too: that move is not judged yet, so it does not count.
      const seen = (latest?.detail as { current?: unknown } | null | undefined)?.current;
      const judged = latest?.outcome === 'refused' || latest?.outcome === 'ignored';
      if (latest && judged && latest.receivedAt >= row.updatedAt && seen === status) continue;
      const mirror = described.context.jiraMirror ?? described.state;
      const { duplicate } = await processor.accept(
        {
          dedupeKey: `reconcile:${row.releaseId}:r${row.revision}:${status}`,
          webhookEvent: 'cdflow:reconcile',
          issueKey,
          statusChange: {
            from: described.context.jiraMirrorStatus ?? jiraStatusForState(mirror, names, described.context),
            to: status,
          },
          user: 'unknown (reconciled from Jira)',
          timestamp: now,
        },
        0,
      );
      if (!duplicate) {
        handed += 1;
        logger.info(
          { issueKey, jira: status, release: described.state },
          'Jira differs from the release and no webhook said so: reconciling',
        );
      }
    }
    return handed;
  }
}
