/**
 * A workflow of the Jira simulator as the XML Jira Server / Data Center imports (Administration → Issues →
 * Workflows → Import from XML: an OSWorkflow 2.8 descriptor). The simulator's definition is the source, so
 * the file a site imports has the statuses, transitions, action ids and group conditions cdflow is tested
 * against. `tools/export-jira-workflow.mjs` writes docs/site/jira-workflow-cdflow.xml and
 * jira-workflow-cdflow-prod.xml from it; a test keeps the committed files equal to what this produces.
 *
 * Jira identifies statuses by id in the descriptor (`jira.status.id`): a site whose statuses have other
 * ids passes its own (`statusIds`, by status key or name). The output is deterministic (no dates).
 */
import type { JiraSimStatus, JiraSimTransition, JiraSimWorkflow } from './jira-workflow-definition.js';

export interface JiraWorkflowXmlOptions {
  /** The site's Jira status id per status key (`sqlPending`) or status name (`SQL待执行`); default the simulator's. */
  statusIds?: Readonly<Record<string, string>>;
  /** The resolution set on entering a done status (Jira's "Done" is 10000); `null` sets none. */
  resolutionId?: string | null;
  /** The workflow's description (`jira.description`). */
  description?: string;
}

const classNames = {
  create: 'com.atlassian.jira.workflow.function.issue.IssueCreateFunction',
  updateStatus: 'com.atlassian.jira.workflow.function.issue.UpdateIssueStatusFunction',
  updateField: 'com.atlassian.jira.workflow.function.issue.UpdateIssueFieldFunction',
  comment: 'com.atlassian.jira.workflow.function.misc.CreateCommentFunction',
  history: 'com.atlassian.jira.workflow.function.issue.GenerateChangeHistoryFunction',
  reindex: 'com.atlassian.jira.workflow.function.issue.IssueReindexFunction',
  event: 'com.atlassian.jira.workflow.function.event.FireIssueEventFunction',
  permission: 'com.atlassian.jira.workflow.validator.PermissionValidator',
  inGroup: 'com.atlassian.jira.workflow.condition.UserInGroupCondition',
} as const;

/** Jira's event types: 1 "Issue Created", 13 "Generic Event" (what a transition fires by default). */
const issueCreatedEvent = '1';
const genericEvent = '13';

const escapeXml = (text: string): string =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');

const pad = (depth: number) => '  '.repeat(depth);

/** Args of Jira's "Update Issue Field" post function on the resolution (an empty value clears it). */
const resolutionArgs = (value: string): Record<string, string> => ({
  'field.name': 'resolution',
  'full.module.key': 'com.atlassian.jira.plugin.system.workflowupdate-issue-field-function',
  'field.value': value,
});

/** `<function type="class">` with its args, class name last as Jira writes it. */
function functionXml(depth: number, className: string, args: Record<string, string> = {}): string[] {
  return [
    `${pad(depth)}<function type="class">`,
    ...Object.entries(args).map(
      ([name, value]) => `${pad(depth + 1)}<arg name="${name}">${escapeXml(value)}</arg>`,
    ),
    `${pad(depth + 1)}<arg name="class.name">${className}</arg>`,
    `${pad(depth)}</function>`,
  ];
}

export function jiraWorkflowXml(workflow: JiraSimWorkflow, options: JiraWorkflowXmlOptions = {}): string {
  const resolutionId = options.resolutionId === undefined ? '10000' : options.resolutionId;
  const stepIdOf = new Map<string, number>(workflow.statuses.map((status, i) => [status.state, i + 1]));
  const statusOf = (state: string): JiraSimStatus => workflow.status(state);
  const statusIdOf = (status: JiraSimStatus): string =>
    options.statusIds?.[status.state] ?? options.statusIds?.[status.name] ?? status.id;
  const stepOf = (state: string): number => {
    const step = stepIdOf.get(state);
    if (step === undefined) throw new Error(`workflow ${workflow.name} has no status ${state}`);
    return step;
  };
  for (const key of Object.keys(options.statusIds ?? {})) {
    if (!workflow.statuses.some((s) => s.state === key || s.name === key)) {
      throw new Error(`statusIds: workflow ${workflow.name} has no status ${JSON.stringify(key)}`);
    }
  }

  /** Post functions of a transition: the resolution when it enters or leaves a done status, then Jira's own. */
  const postFunctions = (transition: JiraSimTransition, depth: number): string[] => {
    const to = statusOf(transition.to);
    const fromDone = (transition.from ?? []).some((state) => statusOf(state).categoryId === 3);
    const lines: string[] = [];
    if (resolutionId !== null && to.categoryId === 3) {
      lines.push(
        ...functionXml(depth, classNames.updateField, {
          'field.name': 'resolution',
          'field.value': resolutionId,
        }),
      );
    } else if (resolutionId !== null && fromDone) {
      lines.push(...functionXml(depth, classNames.updateField, resolutionArgs('')));
    }
    lines.push(
      ...functionXml(depth, classNames.updateStatus),
      ...functionXml(depth, classNames.comment),
      ...functionXml(depth, classNames.history),
      ...functionXml(depth, classNames.reindex),
      ...functionXml(depth, classNames.event, { eventTypeId: genericEvent }),
    );
    return lines;
  };

  const actionXml = (transition: JiraSimTransition, depth: number): string[] => {
    const lines = [`${pad(depth)}<action id="${transition.id}" name="${escapeXml(transition.name)}">`];
    lines.push(`${pad(depth + 1)}<meta name="jira.description">cdflow key: ${transition.key}</meta>`);
    if (transition.groups && transition.groups.length > 0) {
      lines.push(
        `${pad(depth + 1)}<restrict-to>`,
        `${pad(depth + 2)}<conditions type="OR">`,
        ...transition.groups.flatMap((group) => [
          `${pad(depth + 3)}<condition type="class">`,
          `${pad(depth + 4)}<arg name="group">${escapeXml(group)}</arg>`,
          `${pad(depth + 4)}<arg name="class.name">${classNames.inGroup}</arg>`,
          `${pad(depth + 3)}</condition>`,
        ]),
        `${pad(depth + 2)}</conditions>`,
        `${pad(depth + 1)}</restrict-to>`,
      );
    }
    lines.push(
      `${pad(depth + 1)}<results>`,
      `${pad(depth + 2)}<unconditional-result old-status="Not Done" status="Done" step="${stepOf(transition.to)}">`,
      `${pad(depth + 3)}<post-functions>`,
      ...postFunctions(transition, depth + 4),
      `${pad(depth + 3)}</post-functions>`,
      `${pad(depth + 2)}</unconditional-result>`,
      `${pad(depth + 1)}</results>`,
      `${pad(depth)}</action>`,
    );
    return lines;
  };

  const initial = workflow.initial();
  // A transition leaving several statuses is one of Jira's common actions: one id, referenced per step.
  const common = workflow.transitions.filter((t) => t.from !== null && t.from.length > 1);
  const description = options.description ?? `cdflow release workflow "${workflow.name}"`;

  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE workflow PUBLIC "-//OpenSymphony Group//DTD OSWorkflow 2.8//EN" "http://www.opensymphony.com/osworkflow/workflow_2_8.dtd">',
    `<!-- Generated by tools/export-jira-workflow.mjs from the Jira simulator's workflow "${escapeXml(workflow.name)}"; do not edit. -->`,
    '<workflow>',
    `${pad(1)}<meta name="jira.description">${escapeXml(description)}</meta>`,
    `${pad(1)}<initial-actions>`,
    `${pad(2)}<action id="${initial.id}" name="${escapeXml(initial.name)}">`,
    `${pad(3)}<meta name="jira.description">cdflow key: ${initial.key}</meta>`,
    `${pad(3)}<validators>`,
    `${pad(4)}<validator name="" type="class">`,
    `${pad(5)}<arg name="permission">Create Issue</arg>`,
    `${pad(5)}<arg name="class.name">${classNames.permission}</arg>`,
    `${pad(4)}</validator>`,
    `${pad(3)}</validators>`,
    `${pad(3)}<results>`,
    `${pad(4)}<unconditional-result old-status="Finished" status="Open" step="${stepOf(initial.to)}">`,
    `${pad(5)}<post-functions>`,
    ...functionXml(6, classNames.create),
    ...functionXml(6, classNames.reindex),
    ...functionXml(6, classNames.event, { eventTypeId: issueCreatedEvent }),
    `${pad(5)}</post-functions>`,
    `${pad(4)}</unconditional-result>`,
    `${pad(3)}</results>`,
    `${pad(2)}</action>`,
    `${pad(1)}</initial-actions>`,
  ];
  if (common.length > 0) {
    lines.push(
      `${pad(1)}<common-actions>`,
      ...common.flatMap((t) => actionXml(t, 2)),
      `${pad(1)}</common-actions>`,
    );
  }
  lines.push(`${pad(1)}<steps>`);
  for (const status of workflow.statuses) {
    lines.push(
      `${pad(2)}<step id="${stepOf(status.state)}" name="${escapeXml(status.name)}">`,
      `${pad(3)}<meta name="jira.status.id">${escapeXml(statusIdOf(status))}</meta>`,
    );
    const leaving = workflow.openFrom(status.state);
    if (leaving.length > 0) {
      // The DTD lists a step's common actions before its own.
      lines.push(
        `${pad(3)}<actions>`,
        ...leaving.filter((t) => common.includes(t)).map((t) => `${pad(4)}<common-action id="${t.id}" />`),
        ...leaving.filter((t) => !common.includes(t)).flatMap((t) => actionXml(t, 4)),
        `${pad(3)}</actions>`,
      );
    }
    lines.push(`${pad(2)}</step>`);
  }
  lines.push(`${pad(1)}</steps>`, '</workflow>', '');
  return lines.join('\n');
}
