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

/** How long each timer waits, read from the release's settings. */
const timerDelays: Record<TimerName, (settings: ReleaseSettings) => number> = {
  'archery.poll': (s) => s.archeryPollMs,
  'cmdb.poll': (s) => s.cmdbPollMs,
  'deploy.delay': (s) => s.preDeployDelayMs,
  'deploy.timeout': (s) => s.deployTimeoutMs,
  // Releases started before the pause was a setting wait as the original did.
  'deploy.retry': (s) => s.deployRetryPauseMs ?? 10_000,
  // Scheduled with the delay to the next window's start (core computes it from the host's clock).
  'prod.window': () => 0,
};

export function timerDelayMs(settings: ReleaseSettings, timer: TimerName): number {
  return timerDelays[timer](settings);
}

export function isTimerName(value: string): value is TimerName {
  return (timerNames as readonly string[]).includes(value);
}
