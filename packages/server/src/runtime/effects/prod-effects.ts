/**
 * Production's own effects: the clock read for a change-window check (core computes the windows from
 * it), and the production release a promotion creates (the runtime creates it, once).
 */
import { NonRetryableError } from '@cdflow/core';
import type { EffectHandler } from './effect-handler.js';

export const checkWindow: EffectHandler<'prod.checkWindow'> = async () => ({
  kind: 'event',
  event: { type: 'CHANGE_WINDOW_CHECKED', now: Date.now() },
});

export const promote: EffectHandler<'release.promote'> = async (effect, _release, deps) => {
  if (!deps.promote) {
    throw new NonRetryableError(
      'This host creates no releases: the production release cannot be created here.',
    );
  }
  const outcome = await deps.promote({ by: effect.by, uat: effect.uat });
  return { kind: 'done', detail: { promoted: outcome } };
};
