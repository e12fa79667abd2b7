/**
 * The list filters the console needs beyond the store's: the valid `state` values (product states and
 * the machine's steps, so a typo is a 400 instead of an empty list), and `q`, a case-insensitive search
 * in the summary, the Jira key and the release id.
 *
 * The runtime's list has no text search yet, so `q` reads the filtered list page by page and matches
 * here: fine for thousands of releases; a `q` in the store's query would avoid building every view.
 */
import { machineDefinitionJson, productStates } from '@cdflow/core';
import type { ListFilter, ReleaseRuntimeApi, ReleaseView } from '../../runtime/runtime-api.js';

interface DefinitionNode {
  id?: string;
  states?: Record<string, DefinitionNode>;
}

function stepIds(node: DefinitionNode, out: string[]): string[] {
  for (const child of Object.values(node.states ?? {})) {
    if (typeof child.id === 'string') out.push(child.id.replace(/^release\./, ''));
    stepIds(child, out);
  }
  return out;
}

/** Every value `?state=` accepts: the product states first, then the machine's finer steps. */
export const releaseStateFilters: readonly string[] = [
  ...new Set([...productStates, ...stepIds(machineDefinitionJson() as DefinitionNode, [])]),
];

const pageSize = 200;

export function matchesQuery(release: ReleaseView, needle: string): boolean {
  return (
    release.summary.toLowerCase().includes(needle) ||
    (release.key?.toLowerCase().includes(needle) ?? false) ||
    release.releaseId.toLowerCase().includes(needle)
  );
}

/** The releases matching `filter` and `q`, newest first, paged by `filter.limit`/`filter.offset`. */
export async function searchReleases(
  runtime: Pick<ReleaseRuntimeApi, 'listReleases'>,
  filter: ListFilter,
  q: string,
): Promise<{ total: number; items: ReleaseView[] }> {
  const needle = q.trim().toLowerCase();
  const seen = new Set<string>();
  const items: ReleaseView[] = [];
  let total = 0;
  for (let offset = 0; ; offset += pageSize) {
    const page = await runtime.listReleases({ ...filter, limit: pageSize, offset });
    for (const release of page.items) {
      // A release created while paging shifts the pages by one: never count one twice.
      if (seen.has(release.releaseId) || !matchesQuery(release, needle)) continue;
      seen.add(release.releaseId);
      if (total >= filter.offset && items.length < filter.limit) items.push(release);
      total += 1;
    }
    if (page.items.length < pageSize) break;
  }
  return { total, items };
}
