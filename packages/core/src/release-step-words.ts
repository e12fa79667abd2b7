/**
 * The machine's steps in words a person reads ("SQL执行中: the DBA reviews and executes the SQL in
 * Archery"), prefixed with the site's Jira status name. A step without words of its own (a state added
 * to the chart later) falls back to the chart's `description` of the step or of its stage.
 */
import type { AnyStateNode } from 'xstate';
import { jiraStatusForState } from './jira-status-mapping.js';
import { defaultJiraWorkflowNames, type JiraWorkflowNames } from './jira-workflow.js';
import { currentApprovalStep } from './prod-release.js';
import { releaseMachine } from './release-machine.js';
import type { ReleaseContext } from './release-types.js';

type Words = (context: ReleaseContext) => string;

const sqlExecutingWords: Record<ReleaseContext['settings']['sqlMode'], string> = {
  manual:
    'the DBA reviews and executes the SQL work orders in Archery, in sequence order, then confirms; cdflow watches Archery',
  watch:
    'the DBA reviews and executes the SQL work orders in Archery, in sequence order; cdflow watches Archery',
  auto: 'cdflow passes review of and executes the SQL work orders in Archery, in sequence order',
};

const stepWords: Readonly<Record<string, Words>> = {
  'sqlPending.routing': () => 'cdflow decides what the SQL stage does next',
  'sqlPending.fetchingSql': () => 'cdflow reads the SQL files from the SQL source',
  'sqlPending.awaitingPolicy': () => 'cdflow checks the SQL and the version against the versioning policy',
  'sqlPending.resolvingRoutes': () =>
    "cdflow looks up each order's Archery group, instance and database before anything is submitted",
  'sqlPending.checkingSql': () => 'cdflow has Archery check each SQL item (sqlcheck) before submitting any',
  'sqlPending.submitting': () =>
    'cdflow submits the SQL to Archery, one work order per item in sequence order',
  'sqlPending.submitted': () =>
    'cdflow submits the SQL to Archery, one work order per item in sequence order',
  'sqlPending.failed': (c) =>
    c.failure?.stage === 'policy'
      ? 'SQL failed: the versioning policy refused it; nothing was submitted to Archery'
      : 'SQL failed: nothing after it runs until the SQL is fixed',
  sqlExecuting: (c) => sqlExecutingWords[c.settings.sqlMode],
  'sqlExecuting.watching': (c) => sqlExecutingWords[c.settings.sqlMode],
  'sqlExecuting.confirming': (c) =>
    `cdflow reads every work order in Archery to check SQL升级成功 by ${c.sqlConfirmation?.by ?? 'a person'}`,
  'configExecuting.routing': () => 'cdflow decides what the configuration stage does next',
  'configExecuting.applyingApollo': () => 'cdflow applies and publishes the Apollo items',
  'configExecuting.awaitingConfirmation': () => 'ops apply the configuration and confirm',
  'codeExecuting.routing': () => 'cdflow decides what the code stage does next',
  'codeExecuting.delaying': () => 'cdflow waits the pre-deploy delay (image sync) before deploying',
  'codeExecuting.deploying': () => 'cdflow deploys the changed services through the CMDB',
  uatComplete: () => 'the UAT environment is upgraded',
  fixing: (c) =>
    c.failure === null
      ? 'developers or ops fix the release, then resubmit'
      : `developers or ops fix the ${c.failure.stage} failure, then resubmit`,
  prodUpgrade: () => 'handed to production: its production release (env PRO) carries on',
  closed: () => 'the release is closed',
  'codeExecuting.checkingWindow': () => 'cdflow checks the production change windows before deploying',
  'codeExecuting.waitingForWindow': (c) => {
    const opensAt = c.prod?.window?.opensAt ?? null;
    return opensAt === null
      ? 'waiting for the change window: no configured window opens again (fix prod.changeWindows)'
      : `waiting for the change window: production deploys start inside a window only; the next one opens at ${new Date(opensAt).toISOString()}`;
  },
  prodApproval: (c) => {
    const steps = c.settings.prod?.approvals ?? [];
    const step = currentApprovalStep(c);
    if (!step) return 'every approval step is approved';
    const done = (c.prod?.approvals ?? []).map((a) => `${a.step} by ${a.by}`);
    return (
      `waits for ${step.label}'s approval (step ${steps.indexOf(step) + 1} of ${steps.length}: ${steps.map((s) => s.key).join(' → ')})` +
      (done.length > 0 ? `; approved so far: ${done.join(', ')}` : '')
    );
  },
  prodRejected: (c) => {
    const r = c.prod?.rejection;
    return r ? `rejected by ${r.by} at step ${r.step}: ${r.reason}; nothing ran in production` : 'rejected';
  },
  prodComplete: () => 'the production environment is upgraded',
};

/** The chart's description of the step, or of the nearest stage above it that has one. */
function chartDescription(stateId: string): string | null {
  let node: AnyStateNode | undefined = releaseMachine.root;
  let description: string | null = null;
  for (const key of stateId.split('.')) {
    node = node?.states[key];
    if (node?.description) description = node.description;
  }
  return description;
}

/** `SQL执行中: the DBA reviews and executes …` for machine state `state` (a dotted leaf id). */
export function stepInWords(
  state: string,
  context: ReleaseContext,
  names: JiraWorkflowNames = defaultJiraWorkflowNames,
): string {
  const words = stepWords[state];
  if (words) return `${jiraStatusForState(state, names, context)}: ${words(context)}`;
  return chartDescription(state) ?? state;
}
