/**
 * Production change windows: when deploys may start. A window opens at each time its cron expression
 * names (read in its time zone) and stays open for `durationMinutes`. Pure: the host passes its clock
 * in (`CHANGE_WINDOW_CHECKED { now }`); the machine owns none.
 */
import { CronExpressionParser } from 'cron-parser';
import type { ChangeWindow } from './release-types.js';

/** Where the clock is relative to the windows: open until `closesAt`, or closed until `opensAt` (epoch ms). */
export type WindowState =
  | { open: true; closesAt: number; opensAt: null }
  | { open: false; closesAt: null; opensAt: number | null };

const minuteMs = 60_000;

function occurrences(window: ChangeWindow, now: number) {
  return {
    prev: () =>
      CronExpressionParser.parse(window.cron, { currentDate: new Date(now), tz: window.timeZone })
        .prev()
        .getTime(),
    next: () =>
      CronExpressionParser.parse(window.cron, { currentDate: new Date(now), tz: window.timeZone })
        .next()
        .getTime(),
  };
}

/**
 * The windows at `now`: open when one opened at most `durationMinutes` ago (a window opening exactly
 * at `now` is open), else the soonest next opening (null when no expression ever fires again).
 */
export function changeWindowAt(windows: readonly ChangeWindow[], now: number): WindowState {
  let closesAt: number | null = null;
  let opensAt: number | null = null;
  for (const window of windows) {
    const at = occurrences(window, now + 1);
    const started = at.prev();
    const ends = started + window.durationMinutes * minuteMs;
    if (started <= now && now < ends) closesAt = Math.max(closesAt ?? ends, ends);
    const next = safeNext(at.next);
    if (next !== null && next > now) opensAt = Math.min(opensAt ?? next, next);
  }
  if (closesAt !== null) return { open: true, closesAt, opensAt: null };
  return { open: false, closesAt: null, opensAt };
}

function safeNext(next: () => number): number | null {
  try {
    return next();
  } catch {
    return null;
  }
}

/**
 * What is wrong with a window as configured, or null: the cron expression must parse, the time zone
 * must be one the runtime knows, the duration must be positive.
 */
export function changeWindowProblem(window: ChangeWindow): string | null {
  if (!(window.durationMinutes > 0))
    return `durationMinutes must be more than 0, got ${window.durationMinutes}`;
  try {
    new Intl.DateTimeFormat('en', { timeZone: window.timeZone });
  } catch {
    return `timeZone "${window.timeZone}" is not an IANA time zone (e.g. Asia/Shanghai, UTC)`;
  }
  try {
    CronExpressionParser.parse(window.cron, { tz: window.timeZone }).next();
  } catch (error) {
    return `cron "${window.cron}" is not a cron expression (minute hour day month weekday, e.g. "0 22 * * 1-5"): ${(error as Error).message}`;
  }
  return null;
}

/** A window in words: `0 22 * * 1-5 (Asia/Shanghai), 120 min`. */
export function changeWindowText(window: ChangeWindow): string {
  return `${window.cron} (${window.timeZone}), ${window.durationMinutes} min`;
}
