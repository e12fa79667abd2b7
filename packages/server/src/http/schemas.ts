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

export const legacyQuery = Type.Object({
  summary: Type.Optional(Type.String({ maxLength: 512 })),
  sql_id: Type.Optional(Type.String({ maxLength: 512 })),
});

export const webhookAnswer = Type.Object({ accepted: Type.Boolean(), duplicate: Type.Boolean() }, open);
