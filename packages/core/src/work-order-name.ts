/** Archery refuses a work order name over 50 characters (`workflow_name` max_length). */
export const archeryWorkOrderNameMax = 50;

/**
 * The name of every Archery work order of a release: its summary, so a DBA finds them all with one
 * search. A summary longer than Archery allows is cut (by code point, never inside a character).
 */
export function archeryWorkOrderName(summary: string): string {
  const chars = Array.from(summary.trim());
  return chars.length <= archeryWorkOrderNameMax
    ? chars.join('')
    : chars.slice(0, archeryWorkOrderNameMax).join('');
}
