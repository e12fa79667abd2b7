/**
 * The texts cdflow writes on the Jira issue: what happened, and what a person can do next. One place
 * for them, so the chart stays readable and a reader finds every message a person may see.
 */

import { deployFailureLines } from './deploy-progress.js';
import type { JiraWorkflowNames, ReleaseStateId } from './jira-workflow.js';
import { jiraWorkflowGraph } from './jira-workflow.js';
import { prodDifferences } from './prod-release.js';
import type { OrderListEntry } from './release-effects.js';
import type { SqlCheckMessage } from './release-events.js';
import { sqlFailureLines } from './release-progress.js';
import type {
  Deployment,
  PolicyFindingSummary,
  ProdApprovalStep,
  ReleaseContext,
  SqlOrder,
} from './release-types.js';

/** One policy finding for a person: `[DF-D001] file.sql:3: message (fix: suggestion)`. */
export function policyFindingLine(f: PolicyFindingSummary): string {
  return `[${f.ruleId}] ${f.location}: ${f.message}${f.suggestion ? ` (fix: ${f.suggestion})` : ''}`;
}

export function policyRefusedComment(findings: readonly PolicyFindingSummary[]): string {
  const lines = findings.filter((f) => f.severity === 'error').map((f) => `- ${policyFindingLine(f)}`);
  return `The versioning policy refused the SQL; nothing was submitted to Archery:\n${lines.join('\n')}`;
}

/** Archery's own check refused SQL before anything was submitted: each item with its errors. */
export function sqlCheckRefusedComment(
  items: ReadonlyArray<{ sqlId: string; file: string; errors: readonly SqlCheckMessage[] }>,
): string {
  const lines = items.flatMap((item) => [
    `- ${item.sqlId} (${item.file}):`,
    ...item.errors.map((e) => `  - ${e.message}${e.statement ? ` — ${e.statement}` : ''}`),
  ]);
  return (
    `Archery's check (sqlcheck) refused the SQL; nothing was submitted to Archery:\n${lines.join('\n')}\n` +
    'Fix the SQL and publish the release again.'
  );
}

/** A person's SQL升级成功 that Archery does not bear out: the orders not finished, with their Archery ids. */
export function sqlConfirmationRefusedComment(
  by: string,
  unfinished: readonly SqlOrder[],
  readError: string | null,
): string {
  if (readError !== null) {
    return (
      `SQL升级成功 by ${by} was not applied: cdflow could not read the work orders in Archery to check it (${readError}). ` +
      'The issue is back in SQL执行中; confirm again once Archery answers.'
    );
  }
  const lines = [...unfinished]
    .sort((a, b) => a.seq - b.seq)
    .map(
      (o) =>
        `- #${o.seq} ${o.sqlId}: ${o.workflowId === null ? 'not submitted' : `Archery ${o.workflowId}`}: ${o.status}${o.error ? ` (${o.error})` : ''}`,
    );
  return (
    `SQL升级成功 by ${by} was not applied: Archery does not show every work order finished (workflow_finish); nothing was marked as executed.\n` +
    `${lines.join('\n')}\n` +
    'The issue is back in SQL执行中: execute the orders in Archery, in sequence order, then confirm again.'
  );
}

/** Mode auto: Archery refused cdflow's own audit of an order; a DBA audits it. */
export function auditRefusedComment(order: SqlOrder, reason: string): string {
  return (
    `Archery refused cdflow's own audit of work order ${order.workflowId} (#${order.seq} ${order.sqlId}): ${reason}\n` +
    `A DBA must audit order ${order.workflowId} in Archery and execute it; cdflow keeps reading its status and does not audit it again.`
  );
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

export function routesFailedComment(
  failures: ReadonlyArray<{ sqlId: string; instance: string; group: string; reason: string }>,
): string {
  const lines = failures.map((f) => `- ${f.sqlId} (instance ${f.instance}, group ${f.group}): ${f.reason}`);
  return `SQL cannot be routed to Archery; nothing was submitted. Fix the routing (configuration or the items' instance/group/db_name) or Archery, then submit again:\n${lines.join('\n')}`;
}

export function finishedOutOfOrderComment(orders: readonly SqlOrder[]): string {
  const lines = orders.map(
    (o) =>
      `- #${o.seq} ${o.sqlId} (order ${o.workflowId}) finished before #${(o.finishedBefore ?? []).join(', #')}`,
  );
  return `SQL orders ran out of sequence in Archery (the sequence is the order the SQL must run in): check the data they touch:\n${lines.join('\n')}`;
}

/**
 * The release's Archery orders as Jira shows them (a comment or a field): one line per order with its
 * Archery id, a link (`link(workflowId)`, null for none) and its status.
 */
export function orderListText(
  entries: readonly OrderListEntry[],
  link: (workflowId: number) => string | null,
): string {
  const lines = entries.map((e) => {
    const id = e.workflowId === null ? 'not submitted' : `Archery ${e.workflowId}`;
    const url = e.workflowId === null ? null : link(e.workflowId);
    const name = e.workflowName ? ` "${e.workflowName}"` : '';
    const confirmed = e.confirmedBy ? ` (confirmed by ${e.confirmedBy})` : '';
    const early = e.finishedBefore.length > 0 ? ` (finished before #${e.finishedBefore.join(', #')})` : '';
    const replaced = e.replaced ? ` (${e.replaced})` : '';
    return `- #${e.seq} ${e.sqlId}: ${id}${name}${url ? ` ${url}` : ''}: ${e.status}${confirmed}${early}${replaced}`;
  });
  return `SQL work orders:\n${lines.join('\n')}`;
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
  /** A production release: its status and the moves of its own workflow (not the UAT one's). */
  status?: string;
  moves?: string[];
}): string {
  const { state, change, reason, acceptedEvents, names } = input;
  const top = state.split('.')[0] as ReleaseStateId;
  const status = input.status ?? names.statuses[top];
  const moves =
    input.moves ??
    jiraWorkflowGraph
      .filter((t) => t.from === top && t.key !== 'create' && t.optional !== true)
      .map((t) => `${names.transitions[t.key]} → ${names.statuses[t.to]}`);
  return [
    `cdflow did not apply the move from "${change.from}" to "${change.to}" by ${change.by}: ${reason}`,
    `The release stays in ${status} (${state}); move the issue back to "${status}".`,
    moves.length > 0 ? `Moves cdflow accepts from here: ${moves.join('; ')}.` : '',
    acceptedEvents.length > 0 ? `Events accepted now: ${acceptedEvents.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** A production release waits for its approvals: the steps in order, and how it differs from UAT. */
export function approvalsAwaitedComment(context: ReleaseContext): string {
  const prod = context.settings.prod;
  const progress = context.prod;
  if (!prod || !progress) return '';
  const steps = prod.approvals.map((s) => `${s.label} (${s.group}: ${s.transition})`).join(' → ');
  const differences = prodDifferences(context);
  const origin =
    progress.origin === 'promotion'
      ? `promoted from UAT by ${progress.publishedBy}: it runs exactly what the UAT release applied`
      : progress.uatReleaseId === null
        ? 'requested by the release system; no UAT release of this summary exists'
        : 'requested by the release system';
  const lines = [
    `Production release (${origin}). Nothing runs in production before these approvals, in order: ${steps}.`,
  ];
  if (differences.length > 0) {
    const step = prod.approvals.find((s) => s.approvesDifferences);
    lines.push(
      `It differs from what its UAT release applied; ${step ? `${step.label}'s approval` : 'the approvals'} also approves these differences:`,
      ...differences.map((d) => `- ${d.section} ${d.id}: ${d.reason}`),
    );
  }
  for (const note of progress.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

/** The answer to an approval cdflow did not take: why, and that the issue goes back to the step. */
export function approvalRefusedComment(by: string, reason: string, step: ProdApprovalStep | null): string {
  const back = step ? ` The issue goes back to "${step.status}" for ${step.label}'s approval.` : '';
  return `cdflow did not take the approval by ${by}: ${reason}${back}`;
}

export function rejectedComment(rejection: { step: string; by: string; reason: string }): string {
  return `The production release was rejected by ${rejection.by} at step ${rejection.step} (审批驳回): ${rejection.reason}. Nothing ran in production; it has ended.`;
}
