/** The Jira effects: find or create the issue, write its fields, move it along the workflow, comment. */
import { type JiraIssueContent, jiraMoveDecision, jiraMoveNames, orderListText } from '@cdflow/core';
import type { ServerConfig } from '../../config/server-config.js';
import {
  type EffectHandler,
  type EffectOutcome,
  type EffectRelease,
  requireIssue,
} from './effect-handler.js';
import { upstreamsFor } from './environment-upstreams.js';

/**
 * The issue's field values as Jira REST v2 wants them (custom field ids from configuration). A select
 * field (升级类型) with no value is left out: Jira refuses the option `{"value": ""}` with a 400.
 */
function contentFields(config: ServerConfig, content: JiraIssueContent): Record<string, unknown> {
  const ids = config.jira.fields;
  const upgradeType = content.upgradeType.trim();
  return {
    [ids.functionList]: content.functionList,
    ...(upgradeType === '' ? {} : { [ids.upgradeType]: { value: upgradeType } }),
    [ids.sql]: content.sql,
    [ids.config]: content.config,
    [ids.apollo]: content.apollo,
    [ids.code]: content.code,
  };
}

/** How long a Jira effect waiting for its release's issue sleeps between looks (a retry wakes it). */
const issueWaitMs = 10 * 60_000;

/**
 * A Jira effect of a release whose issue does not exist: its creation failed for good (the effects of a
 * release run in order, so it came first). It waits, holding the release's later effects, until a person
 * retries the creation; then it runs as decided.
 */
function waitingForIssue(release: EffectRelease, config: ServerConfig): EffectOutcome | null {
  if (release.issueKey) return null;
  return {
    kind: 'later',
    // Long: nothing but a person's retry creates the issue, and the retry makes them due at once.
    delayMs: Math.max(config.timings.effectRetryMaxMs, issueWaitMs),
    reason: `release ${release.releaseId} has no Jira issue yet: jira.ensureIssue failed; retry it (POST /api/releases/${release.releaseId}/effects/:id/retry)`,
    quiet: true,
  };
}

export const ensureIssue: EffectHandler<'jira.ensureIssue'> = async (effect, _release, { ports, config }) => {
  // Jira has no idempotency key: look for the issue first so a retry never creates a second one. A
  // production issue and its UAT issue share the summary: the issue type tells them apart.
  const issueType = effect.content.issueType || config.jira.issueType;
  const existing = await ports.jira.findIssueBySummary(
    effect.content.projectKey,
    effect.content.summary,
    issueType,
  );
  if (existing) {
    return { kind: 'event', event: { type: 'ISSUE_READY', issueKey: existing.key, created: false } };
  }
  const created = await ports.jira.createIssue({
    project: { key: effect.content.projectKey },
    issuetype: { name: issueType },
    summary: effect.content.summary,
    ...contentFields(config, effect.content),
  });
  return { kind: 'event', event: { type: 'ISSUE_READY', issueKey: created.key, created: true } };
};

export const updateFields: EffectHandler<'jira.updateFields'> = async (
  effect,
  release,
  { ports, config },
) => {
  const waiting = waitingForIssue(release, config);
  if (waiting) return waiting;
  await ports.jira.updateFields(requireIssue(release, effect.type), contentFields(config, effect.content));
  return { kind: 'done' };
};

export const moveTo: EffectHandler<'jira.moveTo'> = async (effect, release, deps) => {
  const { ports, config } = deps;
  const waiting = waitingForIssue(release, config);
  if (waiting) return waiting;
  const issueKey = requireIssue(release, effect.type);
  const names = config.jira.names;
  // A production release's move names its own workflow's status and transition.
  const { status, transition } = jiraMoveNames(effect, names);
  const jiraNow = (await ports.jira.getIssue(issueKey)).status;
  const decision = jiraMoveDecision({
    jiraNow,
    target: effect.state,
    via: effect.via,
    attempts: release.attempts,
    lastSeenByWebhook: await deps.lastSeenJiraStatus(issueKey),
    names,
  });
  if (decision.kind === 'defer') {
    return { kind: 'later', delayMs: config.timings.jiraMoveGraceMs, reason: decision.reason };
  }
  if (decision.kind === 'leave') {
    return {
      kind: 'done',
      detail: { issueKey, expected: status, current: jiraNow, skipped: decision.reason },
    };
  }
  const moved = await ports.jira.moveToStatus(issueKey, status, transition, {
    expectedFrom: jiraNow,
  });
  // The webhook that echoes this move is recognised by the actor (cdflow's Jira user) and because the
  // issue then matches the release's mirror.
  return { kind: 'done', detail: { issueKey, expected: status, ...moved } };
};

export const comment: EffectHandler<'jira.comment'> = async (effect, release, { ports, config }) => {
  const waiting = waitingForIssue(release, config);
  if (waiting) return waiting;
  const issueKey = requireIssue(release, effect.type);
  await ports.jira.comment(issueKey, effect.body);
  return { kind: 'done', detail: { issueKey } };
};

/** The release's Archery orders on the issue: a comment (default) or the configured field, with links. */
export const showOrders: EffectHandler<'jira.showOrders'> = async (effect, release, deps) => {
  const { ports, config } = deps;
  const waiting = waitingForIssue(release, config);
  if (waiting) return waiting;
  const issueKey = requireIssue(release, effect.type);
  // Links to the release's own environment's Archery.
  const ui = upstreamsFor(deps, release).settings.archery.uiUrl;
  const text = orderListText(effect.orders, (workflowId) => (ui ? `${ui}/detail/${workflowId}/` : null));
  const field = config.jira.fields.sqlOrders;
  if (config.jira.orderList === 'field' && field) {
    await ports.jira.updateFields(issueKey, { [field]: text });
    return { kind: 'done', detail: { issueKey, field } };
  }
  await ports.jira.comment(issueKey, text);
  return { kind: 'done', detail: { issueKey, comment: true } };
};
