/**
 * The texts cdflow writes on the Jira issue: what happened, and what a person can do next. One place
 * for them, so the chart stays readable and a reader finds every message a person may see.
 */
import type { JiraWorkflowNames, ReleaseStateId } from './jira-workflow.js';
import { jiraWorkflowGraph } from './jira-workflow.js';
import { deployFailureLines, sqlFailureLines } from './release-progress.js';
import type { Deployment, PolicyFindingSummary, SqlOrder } from './release-types.js';

/** One policy finding for a person: `[DF-D001] file.sql:3: message (fix: suggestion)`. */
export function policyFindingLine(f: PolicyFindingSummary): string {
  return `[${f.ruleId}] ${f.location}: ${f.message}${f.suggestion ? ` (fix: ${f.suggestion})` : ''}`;
}

export function policyRefusedComment(findings: readonly PolicyFindingSummary[]): string {
  const lines = findings.filter((f) => f.severity === 'error').map((f) => `- ${policyFindingLine(f)}`);
  return `The versioning policy refused the SQL; nothing was submitted to Archery:\n${lines.join('\n')}`;
}

export function sqlFetchFailedComment(ref: string, sqlIds: readonly string[], reason: string): string {
  return (
    `The text of SQL ${sqlIds.join(', ')} (${ref}) could not be read; nothing was submitted to Archery: ${reason}\n` +
    'Fix the file or the item and publish the release again, or move the issue with 触发提交SQL to read it again.'
  );
}

export function submitFailedComment(sqlId: string, reason: string): string {
  return `SQL ${sqlId} could not be submitted to Archery: ${reason}`;
}

export function rejectedAtSubmissionComment(orders: readonly SqlOrder[]): string {
  return `SQL order rejected by Archery at submission; nothing after it is submitted:\n${sqlFailureLines([...orders]).join('\n')}`;
}

export function sqlFailedComment(orders: readonly SqlOrder[]): string {
  return `SQL failed in Archery; the orders after it must not run:\n${sqlFailureLines([...orders]).join('\n')}`;
}

export function codeFailedComment(deployments: readonly Deployment[]): string {
  return `Code deploy failed:\n${deployFailureLines([...deployments]).join('\n')}`;
}

export function apolloFailedComment(reason: string): string {
  return `Applying the Apollo items failed: ${reason}`;
}

/** The answer to a person's Jira move that cdflow did not apply: why, and the moves it accepts here. */
export function jiraMoveRefusedComment(input: {
  state: string;
  change: { from: string; to: string; by: string };
  reason: string;
  acceptedEvents: readonly string[];
  names: JiraWorkflowNames;
}): string {
  const { state, change, reason, acceptedEvents, names } = input;
  const top = state.split('.')[0] as ReleaseStateId;
  const moves = jiraWorkflowGraph
    .filter((t) => t.from === top && t.key !== 'create')
    .map((t) => `${names.transitions[t.key]} → ${names.statuses[t.to]}`);
  return [
    `cdflow did not apply the move from "${change.from}" to "${change.to}" by ${change.by}: ${reason}`,
    `The release stays in ${names.statuses[top]} (${state}); move the issue back to "${names.statuses[top]}".`,
    moves.length > 0 ? `Moves cdflow accepts from here: ${moves.join('; ')}.` : '',
    acceptedEvents.length > 0 ? `Events accepted now: ${acceptedEvents.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
