/**
 * Delivers the notification outbox: due rows are sent in parallel (a few at a time, at most two per
 * channel, so a hanging SMTP server holds two slots and never the chat robots'), each bounded by a
 * deadline, and retried with core's RetryPolicy when the failure is retryable. Nothing here runs on a
 * release's queue: a delivery never waits for a release, and a release never waits for a delivery.
 */
import { CdflowError, type RetryPolicy, retryDelayMs, shouldRetry } from '@cdflow/core';
import type { Logger } from 'pino';
import type { NotificationRow, NotificationStore } from '../store/release-store.js';
import type { DeliveryChannel } from './notification-channels.js';

export type DeliveryOutcome = 'sent' | 'retrying' | 'failed';

export interface DeliveryReport {
  channel: string;
  /** The channel's kind: smtp, dingtalk, feishu, wecom, webhook. */
  via: string;
  kind: string;
  outcome: DeliveryOutcome;
  durationMs: number;
}

export interface NotificationWorkerOptions {
  outbox: NotificationStore;
  /** Who sends (a replica's id): a row is taken under this owner's lease, so one replica sends it. */
  owner: string;
  /** How long a row being sent stays this owner's (longer than a delivery's deadline). */
  leaseMs: number;
  channels: ReadonlyMap<string, DeliveryChannel>;
  retryPolicy: RetryPolicy;
  /** Longest one delivery may take before it counts as a (retryable) timeout. */
  deadlineMs: number;
  logger: Logger;
  /** Told after every delivery attempt (metrics). */
  onDelivery?: (report: DeliveryReport) => void;
  maxInFlight?: number;
  maxInFlightPerChannel?: number;
  /** Longest sleep between looks at the outbox (a row added by another process is seen by then). */
  pollMs?: number;
}

/** A delivery that took longer than its deadline. */
export class DeliveryDeadlineError extends CdflowError {
  constructor(channel: string, ms: number) {
    super('TIMEOUT', `delivering through ${channel} took longer than ${ms} ms; cdflow will retry later.`);
    this.name = 'DeliveryDeadlineError';
  }
}

export class NotificationWorker {
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly perChannel = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private stopping = false;

  constructor(private readonly options: NotificationWorkerOptions) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.options.outbox
      .recover()
      .then((recovered) => {
        if (recovered > 0)
          this.options.logger.info(
            { recovered },
            'notifications interrupted by the last stop are sent again',
          );
      })
      .catch((error: unknown) =>
        this.options.logger.debug({ err: error }, 'notification outbox not readable'),
      )
      .finally(() => this.wake());
  }

  /** Look at the outbox now (new rows were added). */
  wake(): void {
    if (!this.started || this.stopping) return;
    this.schedule(0);
  }

  /** Deliveries running now. */
  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Stop taking rows; wait (at most `boundMs`) for the deliveries in flight. */
  async stop(boundMs: number): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight.values()]),
      new Promise((resolve) => {
        bound = setTimeout(resolve, boundMs);
      }),
    ]);
    clearTimeout(bound);
    for (const channel of this.options.channels.values()) channel.close();
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.tick();
      },
      Math.max(0, delayMs),
    );
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    const { outbox } = this.options;
    const maxInFlight = this.options.maxInFlight ?? 8;
    const perChannelLimit = this.options.maxInFlightPerChannel ?? 2;
    let next: number | null;
    try {
      for (const row of await outbox.due(Date.now(), maxInFlight * 4)) {
        if (this.stopping || this.inFlight.size >= maxInFlight) break;
        if (this.inFlight.has(row.id)) continue;
        if ((this.perChannel.get(row.channel) ?? 0) >= perChannelLimit) continue;
        // Another replica is sending it (or sent it since the look): it is theirs.
        if (!(await outbox.markSending(row.id, this.options.owner, this.options.leaseMs))) continue;
        this.begin(row);
      }
      next = await outbox.nextDueAt();
    } catch (error) {
      // The store closes during shutdown; a timer callback must never throw.
      this.options.logger.debug({ err: error }, 'notification outbox not readable');
      return;
    }
    const poll = this.options.pollMs ?? 30_000;
    this.schedule(next === null ? poll : Math.min(poll, Math.max(next - Date.now(), 50)));
  }

  private begin(row: NotificationRow): void {
    this.perChannel.set(row.channel, (this.perChannel.get(row.channel) ?? 0) + 1);
    const work = this.deliver(row)
      // The store may close under a delivery that outlived stop()'s bound: the row is sent again next start.
      .catch((error: unknown) =>
        this.options.logger.debug({ err: error, id: row.id }, 'delivery not recorded'),
      )
      .finally(() => {
        this.inFlight.delete(row.id);
        this.perChannel.set(row.channel, (this.perChannel.get(row.channel) ?? 1) - 1);
        this.wake();
      });
    this.inFlight.set(row.id, work);
  }

  private async deliver(row: NotificationRow): Promise<void> {
    const { outbox, logger, retryPolicy } = this.options;
    const channel = this.options.channels.get(row.channel);
    const started = performance.now();
    const report = (outcome: DeliveryOutcome) =>
      this.options.onDelivery?.({
        channel: row.channel,
        via: channel?.kind ?? 'unknown',
        kind: row.kind,
        outcome,
        durationMs: performance.now() - started,
      });
    if (!channel) {
      await outbox.markFailed(row, `the channel ${row.channel} is no longer configured`);
      report('failed');
      return;
    }
    try {
      await this.withDeadline(channel, channel.deliver(row.payload));
      await outbox.markSent(row);
      report('sent');
      logger.info({ releaseId: row.releaseId, channel: row.channel, kind: row.kind }, 'notification sent');
    } catch (error) {
      const attempts = row.attempts + 1;
      const reason = error instanceof Error ? error.message : String(error);
      if (shouldRetry(retryPolicy, attempts, error)) {
        const delay = retryDelayMs(retryPolicy, attempts, error);
        await outbox.defer(row, Date.now() + delay, reason);
        report('retrying');
        logger.warn(
          {
            releaseId: row.releaseId,
            channel: row.channel,
            kind: row.kind,
            attempts,
            retryInMs: delay,
            err: reason,
          },
          'notification not delivered, will retry',
        );
      } else {
        await outbox.markFailed(row, reason);
        report('failed');
        logger.error(
          { releaseId: row.releaseId, channel: row.channel, kind: row.kind, attempts, err: reason },
          'notification not delivered for good',
        );
      }
    }
  }

  private async withDeadline(channel: DeliveryChannel, work: Promise<void>): Promise<void> {
    // The transports have their own timeouts; this bound holds even if one of them does not fire.
    const ms = this.options.deadlineMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeliveryDeadlineError(channel.id, ms)), ms);
    });
    try {
      await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
