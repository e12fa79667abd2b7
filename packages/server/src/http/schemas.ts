/**
 * TypeBox schemas of the HTTP answers, for the OpenAPI document. They are open (`additionalProperties`)
 * so the serializer never drops a field the runtime adds; the runtime's types are the source of truth.
 */
import { personEventTypes } from '@cdflow/core';
import Type from 'typebox';
import { releaseStateFilters } from './console/release-search.js';

const open = { additionalProperties: true } as const;

export const errorBody = Type.Object(
  {
    error: Type.String({
      description: 'stable error code, e.g. invalid_request, unauthorized, release_busy',
    }),
    message: Type.String({ description: 'what went wrong and what to do' }),
  },
  open,
);

/** The original program's answer fields, which the release system reads (beside cdflow's own). */
const originalAnswerFields = {
  status: Type.Boolean({ description: "the original's outcome: true when the request was taken" }),
  msg: Type.String({ description: "the original's message" }),
  data: Type.Unknown({ description: 'the request body, as received (as the original echoed it)' }),
  jira_issue_key: Type.String({ description: "the Jira issue key, '' until the issue exists" }),
};

export const intakeAnswer = Type.Object(
  {
    key: Type.Union([Type.String(), Type.Null()], {
      description: 'Jira issue key; null until the issue exists',
    }),
    releaseId: Type.String(),
    summary: Type.String(),
    state: Type.String({ description: 'machine state id, e.g. sqlPending' }),
    iteration: Type.Integer(),
    plan: Type.Unknown({ description: 'what remains to run, per section, with the reason of each decision' }),
    ...originalAnswerFields,
  },
  open,
);

/** An intake error: cdflow's error body with the original's fields (`status: false`). */
export const intakeErrorBody = Type.Object(
  {
    error: Type.String({
      description: 'stable error code, e.g. invalid_request, unauthorized, release_busy',
    }),
    message: Type.String({ description: 'what went wrong and what to do' }),
    ...originalAnswerFields,
  },
  open,
);

/** The answer of the original's status query (always HTTP 200). */
export const legacyAnswer = Type.Object(
  {
    code: Type.Integer({ description: '10200 success, 10404 not found, 10500 failed' }),
    msg: Type.String({ description: 'success or failed' }),
    data: Type.Unknown({
      description:
        '{ summary, upgrade_status, sql_info: [{ sql_id, status, errormessage, workflow_id }], code_info, key, upgrade_status_label }, or { error }',
    }),
  },
  open,
);

const personMove = Type.Object(
  {
    event: Type.String({ description: 'the person event, as POST /api/releases/:key/events takes it' }),
    jiraTransition: Type.String({ description: "the Jira transition that sends it (the site's name)" }),
    allowedGroups: Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: 'Jira groups allowed to send it (people.events); null: any signed-in person',
    }),
  },
  open,
);

const releaseWait = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('person'),
      who: Type.String({ description: 'who acts: the DBA, ops, developers or ops, …' }),
      task: Type.String({ description: 'what they do, in words' }),
      moves: Type.Array(personMove),
      retry: Type.Optional(
        Type.Array(
          Type.Object(
            {
              effectId: Type.Union([Type.Integer(), Type.Null()], { description: 'the failed effect' }),
              effectType: Type.String(),
              idempotencyKey: Type.String(),
              reason: Type.String({ description: 'why it failed, in full' }),
              route: Type.Union([Type.String(), Type.Null()], {
                description: 'POST /api/releases/:key/effects/:id/retry',
              }),
            },
            open,
          ),
          { description: 'effects that failed for good and wait for a person to retry them' },
        ),
      ),
    },
    open,
  ),
  Type.Object(
    {
      kind: Type.Literal('timer'),
      timer: Type.String({ description: 'deploy.delay, archery.poll, …' }),
      purpose: Type.String(),
      firesAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    },
    open,
  ),
  Type.Object(
    {
      kind: Type.Literal('upstream'),
      upstream: Type.String({ description: 'jira, archery, cmdb, apollo, sql-source or policy' }),
      task: Type.String({ description: 'what cdflow asks of it, or waits for there' }),
      since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'when cdflow first asked (null: it only waits for its next look)',
      }),
      attempts: Type.Integer({ description: 'tries that did not succeed so far' }),
      nextTryAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      lastError: Type.Union([Type.String(), Type.Null()]),
    },
    open,
  ),
]);

const policyFinding = Type.Object(
  {
    ruleId: Type.String(),
    severity: Type.String(),
    location: Type.String(),
    message: Type.String(),
    suggestion: Type.String({ description: 'the fix' }),
  },
  open,
);

/** `ReleaseView.situation` (core's `explainRelease`): where the release is and why. */
export const releaseSituation = Type.Object(
  {
    step: Type.String({ description: 'the current step in words, with the Jira status' }),
    summary: Type.String({
      description: 'the step, the failure and what it waits for, as a person reads it',
    }),
    waitsFor: Type.Union([releaseWait, Type.Null()], { description: 'null when the release is finished' }),
    timers: Type.Array(
      Type.Object(
        {
          timer: Type.String(),
          purpose: Type.String(),
          firesAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        },
        open,
      ),
    ),
    lastFailure: Type.Union([
      Type.Object(
        {
          stage: Type.String(),
          at: Type.String({ description: 'the machine state it failed in' }),
          reason: Type.String({ description: 'the full reason' }),
          findings: Type.Array(policyFinding, { description: 'a policy refusal: the findings' }),
          orders: Type.Array(
            Type.Object(
              {
                sqlId: Type.String(),
                seq: Type.Integer(),
                workflowId: Type.Union([Type.Integer(), Type.Null()]),
                status: Type.String(),
                message: Type.Union([Type.String(), Type.Null()], { description: "Archery's message" }),
              },
              open,
            ),
            { description: 'SQL orders that failed in Archery, with its review or execution message' },
          ),
        },
        open,
      ),
      Type.Null(),
    ]),
  },
  open,
);

export const releaseView = Type.Object(
  {
    key: Type.Union([Type.String(), Type.Null()]),
    releaseId: Type.String(),
    summary: Type.String(),
    project: Type.String(),
    env: Type.String(),
    state: Type.String({ description: 'machine state id, dotted for substates: sqlPending.failed' }),
    jiraStatus: Type.String(),
    iteration: Type.Integer(),
    plan: Type.Unknown(),
    sqlOrders: Type.Array(Type.Unknown()),
    deployments: Type.Array(Type.Unknown()),
    acceptedEvents: Type.Array(Type.String()),
    situation: releaseSituation,
  },
  open,
);

export const releaseList = Type.Object(
  { total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), items: Type.Array(releaseView) },
  open,
);

export const historyList = Type.Object({ key: Type.String(), items: Type.Array(Type.Unknown()) }, open);

export const releaseKeyParams = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 200, description: 'Jira issue key (AC-101) or release id' }),
});

export const listQuery = Type.Object(
  {
    state: Type.Optional(
      Type.Enum([...releaseStateFilters], { description: 'a state (covers its steps) or a machine step' }),
    ),
    project: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    env: Type.Optional(Type.Enum(['UAT', 'PRO'])),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: '\\S',
        description: 'search: part of the summary, the Jira key or the release id (case-insensitive)',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);

export const operatorEventBody = Type.Object(
  {
    type: Type.Enum([...personEventTypes], { description: 'a person event type' }),
    by: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description:
          'ignored, accepted so older clients keep working: the history names the authenticated person',
      }),
    ),
    reason: Type.Optional(
      Type.String({ maxLength: 4000, description: 'for SQL_REPORTED_FAILED and CONFIG_REPORTED_FAILED' }),
    ),
  },
  { additionalProperties: false },
);

export const effectRetryParams = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 200, description: 'Jira issue key (AC-101) or release id' }),
  id: Type.Integer({
    minimum: 1,
    description: "the failed effect's id, as the release's situation names it (waitsFor.retry[].effectId)",
  }),
});

export const legacyQuery = Type.Object({
  summary: Type.Optional(Type.String({ maxLength: 512 })),
  sql_id: Type.Optional(Type.String({ maxLength: 512 })),
});

export const webhookAnswer = Type.Object({ accepted: Type.Boolean(), duplicate: Type.Boolean() }, open);
