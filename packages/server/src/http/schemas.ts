/**
 * TypeBox schemas of the HTTP answers, for the OpenAPI document. They are open (`additionalProperties`)
 * so the serializer never drops a field the runtime adds; the runtime's types are the source of truth.
 */
import { personEventTypes } from '@cdflow/core';
import Type from 'typebox';
import { releaseStateFilters } from './console/release-search.js';

const open = { additionalProperties: true } as const;

/** One problem of a 400 `invalid_request`: where (a JSON pointer, or `querystring/<name>`) and what was expected. */
const fieldIssue = Type.Object(
  {
    path: Type.String({
      description: 'a JSON pointer into the body (/sql_info/0/sql_id), or querystring/<name>',
    }),
    message: Type.String({ description: 'what was expected there' }),
  },
  open,
);

/** The body of every error answer (core's `errorAnswer`): a stable code, a message, the details of its code. */
export const errorBody = Type.Object(
  {
    error: Type.String({
      description: 'stable error code, e.g. invalid_request, unauthorized, release_busy',
    }),
    message: Type.String({ description: 'what went wrong and what to do' }),
    errors: Type.Optional(Type.Array(fieldIssue, { description: 'invalid_request: each problem found' })),
  },
  open,
);

/** A response entry of the OpenAPI document: the schema with the answer's description. */
export const described = <T extends object>(schema: T, description: string): T & { description: string } => ({
  ...schema,
  description,
});

/** The OpenAPI security of a route that takes a bearer token or a console session. */
export const bearerOrSession: Array<Record<string, string[]>> = [{ bearer: [] }, { session: [] }];

/** An error answer documented with what it means on that route. */
export const errorResponse = (description: string) => described(errorBody, description);

/** The 401 of a route that takes one of several credentials (bearer tokens, a console session). */
export const unauthenticated = errorResponse('No credential, or not one this endpoint takes');

/**
 * The answers the JSON body parser gives before a route runs: not JSON or empty (400 `invalid_json`),
 * over the body limit (413), another content type (415). Every route that takes a JSON body documents
 * them; a 400 of the route's own validation is documented in the same entry.
 */
export const jsonBodyErrors = {
  400: errorResponse(
    'The body is not JSON (invalid_json) or not what the schema says (invalid_request: `errors` names each field)',
  ),
  413: errorResponse('The body is larger than the limit (payload_too_large)'),
  415: errorResponse('The body is not application/json (unsupported_media_type)'),
} as const;

/**
 * What any documented route may answer besides its own answers (added to each by `documentCommonAnswers`):
 * an unexpected failure (500, details in the server log) and a server shutting down (503, Retry-After).
 */
export const commonErrors = {
  500: errorResponse('Internal error: the message names the request id the server log has the details under'),
  503: errorResponse(
    'The server is shutting down (or its runtime has stopped): retry, after Retry-After if sent',
  ),
} as const;

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
export const intakeErrorBody = Type.Object({ ...errorBody.properties, ...originalAnswerFields }, open);

/** An intake error answer documented with what it means. */
export const intakeErrorResponse = (description: string) => described(intakeErrorBody, description);

/** `data` of a 10200 legacy answer: the original's fields first, cdflow's additions after them. */
const legacyStatusData = Type.Object(
  {
    summary: Type.String(),
    upgrade_status: Type.Union([Type.Integer(), Type.String()], {
      description: '100, 101, 102, 150 or 151 (see the description), else the Jira status name',
    }),
    sql_info: Type.Array(
      Type.Object(
        {
          sql_id: Type.String(),
          status: Type.String({ description: "Archery's status: workflow_finish, workflow_exception, …" }),
          errormessage: Type.String({
            description: "Archery's message for an order that failed there, else ''",
          }),
          workflow_id: Type.Union([Type.Integer(), Type.Null()]),
        },
        open,
      ),
    ),
    code_info: Type.Array(
      Type.Object(
        {
          svn_path: Type.String(),
          svn_version: Type.String(),
          tag: Type.String(),
          status: Type.String(),
          errormessage: Type.String(),
        },
        open,
      ),
    ),
    key: Type.Union([Type.String(), Type.Null()], { description: 'the Jira issue key' }),
    upgrade_status_label: Type.String({ description: 'the Jira status name' }),
    errormessage: Type.String({
      description: "why the release stopped, or the upstream that keeps failing; ''",
    }),
    waiting_for: Type.String({ description: 'where the release is and what it waits for, in words' }),
  },
  open,
);

/** The answer of the original's status query (HTTP 200 for every query, as the original's). */
export const legacyAnswer = Type.Object(
  {
    code: Type.Integer({ description: '10200 success, 10404 not found, 10500 failed' }),
    msg: Type.Union([Type.Literal('success'), Type.Literal('failed')]),
    data: Type.Union([legacyStatusData, Type.Object({ error: Type.String() }, open)], {
      description: 'the release (10200), or { error } saying why not (10404, 10500)',
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

/** A list whose items only the runtime's types describe (core's data, sent as it is). */
const untypedList = Type.Array(Type.Unknown());

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
    sqlOrders: untypedList,
    deployments: untypedList,
    acceptedEvents: Type.Array(Type.String()),
    situation: releaseSituation,
  },
  open,
);

export const releaseList = Type.Object(
  { total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), items: Type.Array(releaseView) },
  open,
);

export const historyList = Type.Object({ key: Type.String(), items: untypedList }, open);

/** The longest path parameter: the router refuses longer ones (400) before the route's schema sees them. */
export const maxPathParamLength = 200;

export const releaseKeyParams = Type.Object({
  key: Type.String({
    minLength: 1,
    maxLength: maxPathParamLength,
    description: 'Jira issue key (AC-101) or release id',
  }),
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
      Type.String({
        maxLength: 4000,
        description: 'for SQL_REPORTED_FAILED, CONFIG_REPORTED_FAILED and PROD_REJECTED',
      }),
    ),
    approver: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '\\S',
        description:
          'PROD_APPROVED / PROD_REJECTED with the shared operator token: the Jira user who approves (their Jira groups are checked); a person token or session approves as that person',
      }),
    ),
    step: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 32,
        description: 'PROD_APPROVED: the approval step meant (dba, sa, lead); the current one when absent',
      }),
    ),
    acknowledgeDifferences: Type.Optional(
      Type.Boolean({
        description:
          'PROD_APPROVED: approve the differences from what the UAT release applied (needed by the step that approves them)',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ type: 'SQL_REPORTED_FAILED', reason: 'the view needs the points column of member first' }],
  },
);

/** A summary names two releases (UAT and production): `env` says which (UAT unless said). */
export const releaseEnvQuery = Type.Object(
  { env: Type.Optional(Type.Enum(['UAT', 'PRO'])) },
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

/** The query of Jira's webhook: the shared secret of older Jira, when it cannot sign. */
export const webhookQuery = Type.Object(
  {
    secret: Type.Optional(
      Type.String({ description: 'the webhook secret, when Jira sends no X-Hub-Signature' }),
    ),
  },
  open,
);

/**
 * What cdflow reads of a Jira webhook delivery (Server/Data Center shape); anything else is ignored, and
 * the payload is only a hint: the runtime re-reads the issue before acting. Any JSON object is taken.
 */
export const jiraWebhookBody = Type.Object(
  {
    webhookEvent: Type.Optional(Type.String({ description: 'jira:issue_created, jira:issue_updated, …' })),
    timestamp: Type.Optional(
      Type.Number({ description: 'milliseconds since 1970 (part of the dedupe key)' }),
    ),
    issue: Type.Optional(
      Type.Object(
        {
          id: Type.Optional(Type.String()),
          key: Type.Optional(Type.String({ description: 'the issue key' })),
        },
        open,
      ),
    ),
    changelog: Type.Optional(
      Type.Object(
        {
          id: Type.Optional(Type.String()),
          items: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  field: Type.Optional(Type.String({ description: 'status: a status change' })),
                  fromString: Type.Optional(Type.String()),
                  toString: Type.Optional(Type.String()),
                },
                open,
              ),
            ),
          ),
        },
        open,
      ),
    ),
    user: Type.Optional(
      Type.Object({ name: Type.Optional(Type.String()), key: Type.Optional(Type.String()) }, open),
    ),
  },
  {
    ...open,
    examples: [
      {
        webhookEvent: 'jira:issue_updated',
        timestamp: 1767225600000,
        issue: { id: '10001', key: 'AC-101' },
        changelog: {
          id: '20001',
          items: [{ field: 'status', fromString: 'SQL执行中', toString: 'SQL执行成功' }],
        },
        user: { name: 'dba' },
      },
    ],
  },
);

export const healthAnswer = Type.Object({ status: Type.Literal('ok') }, open);

export const readyAnswer = Type.Object({ status: Type.Literal('ready') }, open);

export const notReadyAnswer = Type.Object(
  {
    status: Type.Literal('not_ready'),
    message: Type.String({ description: 'what is not available' }),
  },
  open,
);

export const machineAnswer = Type.Object(
  {
    version: Type.Integer({ description: 'the release machine version stored with each release' }),
    definition: Type.Object({}, { ...open, description: 'the machine definition (JSON for Stately tools)' }),
    mermaid: Type.String({ description: 'the machine as a Mermaid state diagram' }),
  },
  open,
);

/** A non-JSON success answer: its media type and a string schema. */
export const textResponse = (mediaType: string, description: string) => ({
  description,
  content: { [mediaType]: { schema: Type.String() } },
});
