/**
 * Which projects of the original program's CMDB a code item deploys to (its client `util/cmdb_api.py`,
 * `search_project`): the CMDB's search is loose, so the client keeps the projects whose `svn_path` URL,
 * minus scheme and host (the first three `/`-separated parts), is the item's path, and whose name
 * `<ENV>_…_<TAG>` fits the env and the tag. Pure, so the rules are tested on their own.
 */

/** A project of the CMDB's search answer (`data.items[]`). */
export interface JiracdflowProjectItem {
  /** The id the upgrade URL takes. */
  id: number;
  /** The version deployed now, when the CMDB says. */
  arg?: string;
  project: { name: string; svn_path: string };
}

/** Name suffixes that mark a non-default deployment; a name ending in none of them is the default (v1). */
export const jiracdflowTagSuffixes: readonly string[] = ['V1', 'V2', 'V3', 'V4', 'TEST'];

/** `http://svn.host/a18/cc_console` → `a18/cc_console`: the URL without its first three `/` parts. */
export function jiracdflowRelativePath(svnUrl: string): string {
  return svnUrl.split('/').slice(3).join('/');
}

/** The code item's path as the CMDB's projects are compared with it: lower case, no outer slashes. */
export function normalizeJiracdflowPath(svnPath: string): string {
  return svnPath.toLowerCase().replace(/^\/+|\/+$/g, '');
}

/**
 * The tag the rules compare: upper case; `""` and `v1` (any case) mean "the default deployment", whose
 * project name carries no tag suffix.
 */
export function normalizeJiracdflowTag(tag: string | null | undefined): string {
  const trimmed = (tag ?? '').trim().toUpperCase();
  return trimmed === 'V1' ? '' : trimmed;
}

/** `UAT_a18_console_V2` → `{ env: 'UAT', tag: 'V2' }`; a default deployment's tag is `''`. */
export function jiracdflowNameParts(name: string): { env: string; tag: string } {
  const parts = name.split('_');
  const last = (parts.at(-1) ?? '').toUpperCase();
  return { env: (parts[0] ?? '').toUpperCase(), tag: jiracdflowTagSuffixes.includes(last) ? last : '' };
}

/**
 * The items a code item selects, in the CMDB's order:
 * - the path: `project.svn_path` minus its first three parts equals the item's `svnPath` (both lower case);
 * - PRO skips names starting `UAT_`; UAT skips names starting `PRO_` (the original relied on the search's
 *   `name: "UAT"` filter for that; cdflow never deploys a PRO project for a UAT release);
 * - a tag (other than v1) selects the names whose last part is that tag;
 * - no tag (`""`, `v1`) selects the names whose last part is none of V1 V2 V3 V4 TEST (so, in PRO too, no
 *   TEST project).
 */
export function selectJiracdflowProjects<T extends { project: { name: string; svn_path: string } }>(
  items: readonly T[],
  query: { env: string; svnPath: string; tag: string | null | undefined },
): T[] {
  const env = query.env.toUpperCase();
  const path = normalizeJiracdflowPath(query.svnPath);
  const tag = normalizeJiracdflowTag(query.tag);
  return items.filter((item) => {
    if (normalizeJiracdflowPath(jiracdflowRelativePath(item.project.svn_path)) !== path) return false;
    const parts = item.project.name.split('_');
    const nameEnv = (parts[0] ?? '').toUpperCase();
    const nameTag = (parts.at(-1) ?? '').toUpperCase();
    if (env === 'PRO' && nameEnv === 'UAT') return false;
    if (env === 'UAT' && nameEnv === 'PRO') return false;
    if (tag !== '') return nameTag === tag;
    return !jiracdflowTagSuffixes.includes(nameTag);
  });
}
