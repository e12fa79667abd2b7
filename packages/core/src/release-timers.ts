/**
 * The machine's wall-clock timers. The machine owns no clock (XState `after` delays are lost on
 * restore): it asks the host for a `timer.schedule` effect and hears `TIMER_FIRED` back.
 */
import type { ReleaseSettings } from './release-types.js';

export const timerNames = [
  'archery.poll',
  'cmdb.poll',
  'deploy.delay',
  'deploy.timeout',
  'deploy.retry',
  'prod.window',
] as const;
export type TimerName = (typeof timerNames)[number];

/** Timers of the SQL stage (cancelled when it is left). */
export const sqlStageTimers: readonly TimerName[] = ['archery.poll'];
/** Timers of the code stage (cancelled when it is left). */
export const codeStageTimers: readonly TimerName[] = [
  'deploy.delay',
  'deploy.timeout',
  'cmdb.poll',
  'deploy.retry',
  'prod.window',
];

export function timerDelayMs(settings: ReleaseSettings, timer: TimerName): number {
  switch (timer) {
    case 'archery.poll':
      return settings.archeryPollMs;
    case 'cmdb.poll':
      return settings.cmdbPollMs;
    case 'deploy.delay':
      return settings.preDeployDelayMs;
    case 'deploy.timeout':
      return settings.deployTimeoutMs;
    case 'deploy.retry':
      // Releases started before the pause was a setting wait as the original did.
      return settings.deployRetryPauseMs ?? 10_000;
    case 'prod.window':
      // Scheduled with the delay to the next window's start (core computes it from the host's clock).
      return 0;
  }
}

export function isTimerName(value: string): value is TimerName {
  return (timerNames as readonly string[]).includes(value);
}
