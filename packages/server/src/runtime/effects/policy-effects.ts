/** The policy effect: run the versioning policy gate over the SQL about to be submitted. */
import type { EffectHandler } from './effect-handler.js';

export const checkPolicy: EffectHandler<'policy.check'> = async (effect, _release, deps) => {
  const findings = await deps.checkPolicy({
    version: effect.version,
    previousVersion: effect.previousVersion,
    sql: effect.sql,
  });
  return { kind: 'event', event: { type: 'POLICY_CHECKED', findings } };
};
