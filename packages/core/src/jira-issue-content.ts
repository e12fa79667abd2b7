import type { JiraIssueContent } from './release-effects.js';
import type { NormalizedRequest, ReleaseContext, SqlItemAwaitingText } from './release-types.js';

/** The mark a field line gets for an item the request says is already in UAT (`has_deploy_uat`). */
const skippedInUat = ' (skipped: already in UAT)';

/**
 * The readable text of the Jira issue's fields: one item per line, never a language's repr (the
 * original stored Python lists; people read these fields). Items marked `has_deploy_uat` are listed
 * with a "skipped" mark in UAT, as the original showed them; SQL items whose text is still to be read
 * are listed like the others (the field shows where the text comes from, not the text).
 */
export function jiraIssueContent(request: NormalizedRequest): JiraIssueContent {
  const uat = request.env === 'UAT';
  const mark = (item: { deployedToUat?: boolean }) => (uat && item.deployedToUat ? skippedInUat : '');
  const sqlItems: SqlItemAwaitingText[] = [...request.sql, ...(request.sqlAwaitingText ?? [])].sort(
    (a, b) => a.seq - b.seq,
  );
  return {
    summary: request.summary,
    projectKey: request.jiraProject,
    issueType: request.issueType,
    upgradeType: request.upgradeType,
    functionList: request.functionList.join('\n'),
    sql: sqlItems
      .map(
        (s) =>
          `${s.seq}. ${s.sqlId}: ${s.svnPath}/${s.svnFile}@${s.svnVersion} -> ${s.group}/${s.instance}${s.dbName ? `/${s.dbName}` : ''}${mark(s)}`,
      )
      .join('\n'),
    config: request.config.map((c) => `${c.name}${mark(c)}`).join('\n'),
    apollo: request.apollo
      .map((a) => `${a.appId} ${a.cluster}/${a.namespace}: ${a.key} = ${a.value}${mark(a)}`)
      .join('\n'),
    code: request.code
      .map(
        (c) =>
          `${c.svnPath}@${c.svnVersion === '' ? '(no deploy)' : c.svnVersion} tag ${c.tag === '' ? '""' : c.tag}`,
      )
      .join('\n'),
  };
}

/**
 * The issue's content for a release: a production release's issue is of the production issue type
 * (its own issue, in the "cdflow-prod" workflow), whatever the request's issue type was.
 */
export function releaseIssueContent(context: Pick<ReleaseContext, 'request' | 'settings'>): JiraIssueContent {
  const content = jiraIssueContent(context.request);
  const prod = context.settings.prod;
  return prod ? { ...content, issueType: prod.jira.issueType } : content;
}
