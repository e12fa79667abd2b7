/** The current time, refreshed every `everyMs`, so "waiting 3 h" and stuck marks age without a reload. */
import { useEffect, useState } from 'preact/hooks';

export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** How often stuck marks are re-checked: every 30 s, or a quarter of a (short) threshold. */
export const stuckCheckMs = (stuckAfterMinutes: number) =>
  Math.min(30_000, Math.max(250, stuckAfterMinutes * 15_000));
