import type { JiraIssueContent } from './release-effects.js';
import type { NormalizedRequest } from './release-types.js';

/**
 * The readable text of the Jira issue's fields: one item per line, never a language's repr (the
 * original stored Python lists; people read these fields).
 */
export function jiraIssueContent(request: NormalizedRequest): JiraIssueContent {
  return {
    summary: request.summary,
    projectKey: request.jiraProject,
    issueType: request.issueType,
    upgradeType: request.upgradeType,
    functionList: request.functionList.join('\n'),
    sql: request.sql
      .map(
        (s) =>
          `${s.seq}. ${s.sqlId}: ${s.svnPath}/${s.svnFile}@${s.svnVersion} -> ${s.group}/${s.instance}${s.dbName ? `/${s.dbName}` : ''}`,
      )
      .join('\n'),
    config: request.config.map((c) => c.name).join('\n'),
    apollo: request.apollo
      .map((a) => `${a.appId} ${a.cluster}/${a.namespace}: ${a.key} = ${a.value}`)
      .join('\n'),
    code: request.code
      .map(
        (c) =>
          `${c.svnPath}@${c.svnVersion === '' ? '(no deploy)' : c.svnVersion} tag ${c.tag === '' ? '""' : c.tag}`,
      )
      .join('\n'),
  };
}
