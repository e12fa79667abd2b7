/** Archery runs with USE_TZ = False: datetimes are naive server-local text such as 2025-01-02T10:00:00.123456. */
export function naiveLocalTime(date: Date, withMicros = true): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
  return withMicros ? `${base}.${p(date.getMilliseconds(), 3)}000` : base;
}

/** Parse a naive local datetime back to a Date (interpreted in the process' local zone). */
export function parseNaiveLocalTime(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) return new Date(Number.NaN);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s);
}
