/**
 * Records what the runtime's own work comes back with: an effect's outcome (from the EffectRunner) and a
 * timer that fired (from the TimerLoop). Each is decided as an event on the release, in the release's
 * queue slot, and committed with the outbox row or timer it completes, in one transaction — without
 * fsync: this is internal work that, after a power loss, would simply be done again (every effect is
 * idempotent by its key or a look-up, and a timer fires again).
 */
import type { ReleaseEffect } from '@cdflow/core';
import type { Logger } from 'pino';
import type { AuditInput, OutboxRow } from '../store/release-repository.js';
import { LeaseLostError } from '../store/release-store.js';
import type { EffectResult } from './effect-runner.js';
import { describeError } from './effects/effect-errors.js';
import { outcomeMayWait } from './effects/effect-handlers.js';
import type { ReleaseDecisions } from './release-decisions.js';
import type { ReleaseHeads } from './release-heads.js';
import type { PendingTimer, TimerLoop } from './timer-loop.js';

export interface OutcomeRecorderOptions {
  heads: ReleaseHeads;
  logger: Logger;
  decisions: ReleaseDecisions;
  /** The pending timers (in memory): a firing checks it is still the schedule it was armed for. */
  timers: () => TimerLoop;
  /**
   * Whether the store answers now. A firing that failed because the store is away is not consumed (its
   * row stays, and fires again once the store is back); only a firing the machine cannot decide is.
   */
  storeUp?: () => Promise<boolean>;
}

export class OutcomeRecorder {
  constructor(private readonly options: OutcomeRecorderOptions) {}

  /** Record the effect's outcome and mark its outbox row; an event it brings is decided on the release. */
  recordEffect(
    row: OutboxRow,
    effect: ReleaseEffect,
    result: EffectResult,
    owner: string | null,
  ): Promise<void> {
    const { heads, logger, decisions } = this.options;
    return decisions
      .exclusive(row.releaseId, async () => {
        const state = heads.peek(row.releaseId)?.state ?? null;
        const outcome = {
          type: effect.type,
          outcome: result.kind === 'failed' ? 'failed' : 'done',
          idempotencyKey: row.idempotencyKey,
          attempts: row.attempts + 1,
          ...(result.kind === 'failed' ? { error: result.reason } : {}),
          ...(result.kind === 'done' && result.detail !== undefined ? { result: result.detail } : {}),
        };
        const complete = {
          id: row.id,
          status: result.kind === 'failed' ? ('failed' as const) : ('done' as const),
          error: result.kind === 'failed' ? result.reason : null,
          // Replicas: recorded only while this replica still holds the claim (LeaseLostError else).
          ...(owner === null ? {} : { owner }),
        };
        if (result.kind === 'done') {
          const { type: _type, ...detail } = outcome;
          const entry: AuditInput = {
            source: 'runner',
            actor: 'cdflow',
            event: `effect:${effect.type}`,
            fromState: state,
            toState: state,
            accepted: true,
            detail,
          };
          // Written with the release's next write (the runner's next outcome, or before it leaves).
          if (owner === null && outcomeMayWait(effect)) {
            decisions.carry(row.releaseId, entry, complete);
            return;
          }
          await decisions.commit(
            { releaseId: row.releaseId, audit: [entry], completeEffect: complete, durable: false },
            [],
          );
          return;
        }
        try {
          await decisions.apply(row.releaseId, result.event, {
            source: 'runner',
            actor: 'cdflow',
            completeEffect: complete,
            effect: outcome,
            durable: false,
          });
        } catch (error) {
          if (error instanceof LeaseLostError) throw error;
          // The outcome cannot be decided (e.g. a snapshot of an unknown machine version): record it and
          // move on, rather than retrying an effect whose result can never be applied.
          const reason = describeError(error);
          logger.error(
            { releaseId: row.releaseId, effect: effect.type, err: reason },
            'effect outcome not applied',
          );
          await decisions.commit(
            {
              releaseId: row.releaseId,
              audit: [
                {
                  source: 'runner',
                  actor: 'cdflow',
                  event: result.event.type,
                  fromState: state,
                  toState: state,
                  accepted: false,
                  detail: { effect: outcome, error: reason },
                },
              ],
              completeEffect: {
                id: row.id,
                status: 'failed',
                error: reason,
                ...(owner === null ? {} : { owner }),
              },
              durable: false,
            },
            [],
          );
        }
      })
      .catch((error: unknown) => {
        // Another replica took the effect over: its outcome is theirs to record.
        if (error instanceof LeaseLostError) {
          logger.info(
            { releaseId: row.releaseId, effect: effect.type },
            'effect lease lost: outcome left to its new owner',
          );
          return;
        }
        throw error;
      });
  }

  /** Decide the timer's firing on its release, unless it was cancelled or rescheduled meanwhile. */
  fireTimer(timer: PendingTimer): Promise<void> {
    const { logger, decisions } = this.options;
    return decisions.exclusive(timer.releaseId, async () => {
      const current = this.options.timers().current(timer.releaseId, timer.name, timer);
      // Cancelled or rescheduled while waiting for the queue: the newer schedule fires on its own.
      if (!current || current.scheduleKey !== timer.scheduleKey || current.dueAt > Date.now()) return;
      const firedTimer = {
        name: timer.name,
        scheduleKey: timer.scheduleKey,
        ...(timer.owner === undefined ? {} : { owner: timer.owner }),
      };
      try {
        await decisions.apply(
          timer.releaseId,
          // Timer rows are written only from the machine's `timer.schedule` effects.
          { type: 'TIMER_FIRED', timer: timer.name as never },
          { source: 'system', actor: 'timer', firedTimer, durable: false },
        );
      } catch (error) {
        if (error instanceof LeaseLostError) return; // another replica fired it, or it was rescheduled
        if (this.options.storeUp && !(await this.options.storeUp())) throw error;
        const reason = describeError(error);
        logger.error({ releaseId: timer.releaseId, timer: timer.name, err: reason }, 'timer not applied');
        await decisions.commit(
          {
            releaseId: timer.releaseId,
            audit: [
              {
                source: 'system',
                actor: 'timer',
                event: 'TIMER_FIRED',
                fromState: null,
                toState: null,
                accepted: false,
                detail: { timer: timer.name, error: reason },
              },
            ],
            firedTimer,
            durable: false,
          },
          [],
        );
      }
    });
  }
}
