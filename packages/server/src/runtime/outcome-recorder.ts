/**
 * Records what the runtime's own work comes back with: an effect's outcome (from the EffectRunner) and a
 * timer that fired (from the TimerLoop). Each is decided as an event on the release, in the release's
 * queue slot, and committed with the outbox row or timer row it completes, in one transaction.
 */
import type { EffectResultEvent, ReleaseEffect, TimerName } from '@cdflow/core';
import type { Logger } from 'pino';
import type { AuditInput, OutboxRow, ReleaseRepository, TimerRow } from '../store/release-repository.js';
import type { EffectResult } from './effect-runner.js';
import { describeError } from './effects/effect-errors.js';
import type { KeyQueue } from './key-queue.js';
import type { ReleaseDecisions } from './release-decisions.js';

export interface OutcomeRecorderOptions {
  repo: ReleaseRepository;
  queue: KeyQueue;
  logger: Logger;
  decisions: ReleaseDecisions;
}

export class OutcomeRecorder {
  constructor(private readonly options: OutcomeRecorderOptions) {}

  /** Record the effect's outcome and mark its outbox row; a failure is decided as the release's event. */
  recordEffect(row: OutboxRow, effect: ReleaseEffect, result: EffectResult): Promise<void> {
    const { repo, queue, logger, decisions } = this.options;
    return queue.run(row.releaseId, () => {
      const release = repo.getById(row.releaseId);
      const state = release?.state ?? null;
      const outcomeEntry: AuditInput = {
        source: 'runner',
        actor: 'cdflow',
        event: `effect:${effect.type}`,
        fromState: state,
        toState: state,
        accepted: result.kind !== 'failed',
        detail: {
          outcome: result.kind === 'failed' ? 'failed' : 'done',
          idempotencyKey: row.idempotencyKey,
          attempts: row.attempts + 1,
          ...(result.kind === 'failed' ? { error: result.reason } : {}),
          ...(result.kind === 'done' && result.detail !== undefined ? { result: result.detail } : {}),
        },
      };
      const complete = {
        id: row.id,
        status: result.kind === 'failed' ? ('failed' as const) : ('done' as const),
        error: result.kind === 'failed' ? result.reason : null,
      };
      if (result.kind === 'done') {
        decisions.commit({ releaseId: row.releaseId, audit: [outcomeEntry], completeEffect: complete }, []);
        return;
      }
      try {
        decisions.apply(row.releaseId, result.event, {
          source: 'runner',
          actor: 'cdflow',
          completeEffect: complete,
          extraAudit: [outcomeEntry],
        });
      } catch (error) {
        // The outcome cannot be decided (e.g. a snapshot of an unknown machine version): record it and
        // move on, rather than retrying an effect whose result can never be applied.
        const reason = describeError(error);
        logger.error(
          { releaseId: row.releaseId, effect: effect.type, err: reason },
          'effect outcome not applied',
        );
        decisions.commit(
          {
            releaseId: row.releaseId,
            audit: [
              outcomeEntry,
              {
                source: 'runner',
                actor: 'cdflow',
                event: (result.event as EffectResultEvent).type,
                fromState: state,
                toState: state,
                accepted: false,
                detail: { error: reason },
              },
            ],
            completeEffect: { id: row.id, status: 'failed', error: reason },
          },
          [],
        );
      }
    });
  }

  /** Decide the timer's firing on its release, unless it was cancelled or rescheduled meanwhile. */
  fireTimer(timer: TimerRow): Promise<void> {
    const { repo, queue, logger, decisions } = this.options;
    return queue.run(timer.releaseId, () => {
      const current = repo.getTimer(timer.id);
      // Cancelled or rescheduled while waiting for the queue: the newer schedule fires on its own.
      if (!current || current.scheduleKey !== timer.scheduleKey || current.dueAt > Date.now()) return;
      const firedTimer = { id: timer.id, scheduleKey: timer.scheduleKey };
      try {
        decisions.apply(
          timer.releaseId,
          // Timer rows are written only from the machine's `timer.schedule` effects.
          { type: 'TIMER_FIRED', timer: timer.name as TimerName },
          { source: 'system', actor: 'timer', firedTimer },
        );
      } catch (error) {
        const reason = describeError(error);
        logger.error({ releaseId: timer.releaseId, timer: timer.name, err: reason }, 'timer not applied');
        decisions.commit(
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
          },
          [],
        );
      }
    });
  }
}
