/**
 * Archery runs with USE_TZ = False: an aware datetime ("...Z" or "+08:00") is converted to UTC and its zone
 * dropped, silently shifting the time. cdflow therefore sends naive local text, "YYYY-MM-DDTHH:mm:ss".
 */
export function toNaiveLocalDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('toNaiveLocalDateTime: invalid date');
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}
