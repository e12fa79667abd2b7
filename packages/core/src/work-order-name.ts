/**
 * How cdflow names a release's Archery work orders, the way DBAs search for them: the summary, so one
 * search finds every order of the release, then the order's place in the sequence, `<summary> #2/5`.
 * Archery refuses a name over 50 characters (`workflow_name` max_length): the summary is cut, never the
 * suffix, so the sequence always shows. Lengths count code points, so a cut never splits a character.
 */

/** Archery refuses a work order name over 50 characters. */
export const archeryWorkOrderNameMax = 50;

/** An order's place in its release's SQL sequence (1-based `seq` of `total`). */
export interface WorkOrderPosition {
  seq: number;
  total: number;
}

/** The summary as names use it: trimmed, then cut to `room` characters (and trimmed again at the cut). */
function cutSummary(summary: string, room: number): string {
  const chars = Array.from(summary.trim());
  return chars.length <= room ? chars.join('') : chars.slice(0, Math.max(0, room)).join('').trimEnd();
}

/**
 * The name of one work order: `<summary> #<seq>/<total>`, the summary cut so the whole fits in 50
 * characters. Without a position, the bare (cut) summary: how orders were named before the sequence was
 * shown, so they can still be recognised.
 */
export function archeryWorkOrderName(summary: string, position?: WorkOrderPosition): string {
  if (!position) return cutSummary(summary, archeryWorkOrderNameMax);
  const suffix = ` #${position.seq}/${position.total}`;
  return `${cutSummary(summary, archeryWorkOrderNameMax - suffix.length)}${suffix}`;
}

/**
 * Text every order name of the release contains, whatever its numbering (up to `#9999/9999`): what to
 * search Archery with (`workflow_name__icontains`) before narrowing with `workOrderPositionOf`.
 */
export function workOrderNameSearchText(summary: string): string {
  return cutSummary(summary, archeryWorkOrderNameMax - ' #9999/9999'.length - 1);
}

/**
 * Whether `name` is the name of one of this release's orders, and at which position it was submitted:
 * `{ seq, total }` for `<summary> #<seq>/<total>` (any numbering: an iteration may have renumbered the
 * items since), `'unnumbered'` for the bare summary (orders named before the sequence was shown), null
 * for another release's order (e.g. a longer summary that starts the same way).
 */
export function workOrderPositionOf(name: string, summary: string): WorkOrderPosition | 'unnumbered' | null {
  if (name === archeryWorkOrderName(summary)) return 'unnumbered';
  const match = /^(.*) #(\d+)\/(\d+)$/su.exec(name);
  if (!match) return null;
  const position = { seq: Number(match[2]), total: Number(match[3]) };
  return archeryWorkOrderName(summary, position) === name ? position : null;
}
