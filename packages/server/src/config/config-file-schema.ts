/**
 * The shape of the optional CDFLOW_CONFIG file (JSON or YAML). Every key is optional: the file holds
 * partial overrides of the defaults. Unknown keys are refused so a typo never silently does nothing.
 */
import Type, { type Static } from 'typebox';
import { switches } from './config-switches.js';
import { notificationsFileSchema } from './notification-settings.js';
import { metricsFileSchema } from './observability-settings.js';
import { consoleFileSchema, peopleFileSchema } from './people-settings.js';

const nonNegativeMs = Type.Integer({ minimum: 0, description: 'milliseconds, an integer ≥ 0' });
const positiveInt = Type.Integer({ minimum: 1 });
const nonEmpty = Type.String({ minLength: 1 });

/** The `timings` section; the server's `Timings` are these, every one set (the file's, else the default). */
const timingsFileSchema = Type.Object(
  {
    /** Wait before deploying, for the images to sync (the original waited 30–90 s). 60 s; 0 in sandbox mode. */
    preDeployDelayMs: Type.Optional(nonNegativeMs),
    archeryPollMs: Type.Optional(positiveInt),
    cmdbPollMs: Type.Optional(positiveInt),
    deployTimeoutMs: Type.Optional(positiveInt),
    /** Deploys in flight (started and not finished) at once, across releases. */
    deployParallelism: Type.Optional(positiveInt),
    deployRetries: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Pause before a failed deploy is sent again (the original: 10 s). */
    deployRetryPauseMs: Type.Optional(nonNegativeMs),
    /** How long the synchronous (jiracdflow) CMDB may take to answer an upgrade. */
    cmdbUpgradeTimeoutMs: Type.Optional(positiveInt),
    /** Per-call timeout for every upstream request. */
    upstreamTimeoutMs: Type.Optional(positiveInt),
    /** Retries of a retryable upstream failure inside one effect attempt (429/5xx/network). */
    upstreamRetries: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Back-off of the effect runner between attempts of an effect that failed retryably. */
    effectRetryBaseMs: Type.Optional(positiveInt),
    effectRetryMaxMs: Type.Optional(positiveInt),
    /** How long intake waits for the Jira issue to exist so its answer can carry the key (0: never wait). */
    intakeIssueWaitMs: Type.Optional(nonNegativeMs),
    /** How long a move that would walk Jira back waits for a person's webhook before the machine's truth wins. */
    jiraMoveGraceMs: Type.Optional(nonNegativeMs),
    /**
     * Every this often, releases waiting on a person are compared with their Jira issue, so a decision
     * whose webhook never arrived (cdflow was down, a delivery was lost) is still applied. 0: off.
     */
    jiraReconcileMs: Type.Optional(nonNegativeMs),
    /** Only releases changed within this window are reconciled (older ones are left to operators). */
    jiraReconcileWindowMs: Type.Optional(positiveInt),
  },
  { additionalProperties: false },
);

/** A routing map entry: the instance, or the instance with its database and group. */
const routingMapEntry = Type.Union([
  nonEmpty,
  Type.Object(
    { instance: nonEmpty, dbName: Type.Optional(nonEmpty), group: Type.Optional(nonEmpty) },
    { additionalProperties: false },
  ),
]);

/** How one project's SQL finds its Archery instance and group (core's `RoutingRule`). */
const routingRule = Type.Union([
  Type.Literal('path'),
  Type.Literal('none'),
  Type.Literal('jiracdflow-qc'),
  Type.Object(
    {
      rule: Type.Literal('map'),
      group: nonEmpty,
      instances: Type.Record(Type.String({ minLength: 1 }), routingMapEntry),
    },
    { additionalProperties: false },
  ),
]);

/** File-name marks: a SQL file whose name contains one of them is not run in the environment. */
const sqlFileMarks = Type.Array(nonEmpty);

/** Production's own upstreams (secrets are environment variables: PRO_ARCHERY_PASSWORD, PRO_CMDB_TOKEN, PRO_APOLLO_TOKEN). */
const prodUpstreams = {
  archery: Type.Optional(
    Type.Object(
      {
        baseUrl: Type.Optional(nonEmpty),
        user: Type.Optional(nonEmpty),
        uiUrl: Type.Optional(nonEmpty),
        isBackup: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
  ),
  cmdb: Type.Optional(
    Type.Object(
      {
        dialect: Type.Optional(Type.Union([Type.Literal('tasks'), Type.Literal('jiracdflow')])),
        baseUrl: Type.Optional(nonEmpty),
        searchUrl: Type.Optional(nonEmpty),
        upgradeUrl: Type.Optional(nonEmpty),
      },
      { additionalProperties: false },
    ),
  ),
  apollo: Type.Optional(Type.Object({ baseUrl: Type.Optional(nonEmpty) }, { additionalProperties: false })),
};

const approvalStep = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' }),
    label: Type.Optional(nonEmpty),
    group: nonEmpty,
    status: nonEmpty,
    transition: nonEmpty,
    returnTransition: nonEmpty,
    approvesDifferences: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const changeWindow = Type.Object(
  {
    cron: nonEmpty,
    durationMinutes: Type.Number({ exclusiveMinimum: 0 }),
    timeZone: Type.Optional(nonEmpty),
  },
  { additionalProperties: false },
);

/** Status or transition names by stable key; the keys are checked in load-config.ts to name a typo. */
const names = Type.Record(Type.String({ minLength: 1 }), nonEmpty);

export const configFileSchema = Type.Object(
  {
    sqlMode: Type.Optional(Type.Union([Type.Literal('manual'), Type.Literal('watch'), Type.Literal('auto')])),
    jira: Type.Optional(
      Type.Object(
        {
          issueType: Type.Optional(nonEmpty),
          /** The Jira user cdflow acts as (status changes by this user are echoes). */
          user: Type.Optional(nonEmpty),
          fields: Type.Optional(
            Type.Object(
              {
                functionList: Type.Optional(nonEmpty),
                upgradeType: Type.Optional(nonEmpty),
                sql: Type.Optional(nonEmpty),
                config: Type.Optional(nonEmpty),
                apollo: Type.Optional(nonEmpty),
                code: Type.Optional(nonEmpty),
                sqlOrders: Type.Optional(nonEmpty),
              },
              { additionalProperties: false },
            ),
          ),
          /** How the list of Archery orders is shown: a comment per change, or the `fields.sqlOrders` field. */
          orderList: Type.Optional(Type.Union([Type.Literal('comment'), Type.Literal('field')])),
          statuses: Type.Optional(names),
          transitions: Type.Optional(names),
        },
        { additionalProperties: false },
      ),
    ),
    /** Release-system project → Jira project key (replaces the default mapping when given). */
    projects: Type.Optional(Type.Record(Type.String({ minLength: 1 }), nonEmpty)),
    /** Switches of core's normalisation rules (the original's UAT rules, CMDB tag rule, Archery routing). */
    normalize: Type.Optional(
      Type.Object(
        {
          rules: Type.Optional(
            switches([
              'dropOperationalSqlInUat',
              'skipProdPathsInUat',
              'emptySvnVersionMeansNoDeploy',
              'emptyTagMeansV1',
            ]),
          ),
          routing: Type.Optional(
            Type.Object(
              {
                instanceFromPath: Type.Optional(Type.Boolean()),
                /** A rule per release-system project: `path`, `none`, `jiracdflow-qc` or a fixed map. */
                projects: Type.Optional(Type.Record(Type.String({ minLength: 1 }), routingRule)),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    archery: Type.Optional(
      Type.Object(
        {
          /** `is_backup` of every submitted order (default true, as the original sent). */
          isBackup: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    policy: Type.Optional(
      Type.Object(
        {
          gate: Type.Optional(Type.Boolean()),
          /** The projects the data platform's policy applies to (the request's `project`); default none. */
          projects: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
          /** Scratch tables DF-D003 lets be dropped (regular expressions over the table name). */
          temporaryTablePatterns: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
          rules: Type.Optional(
            Type.Record(
              Type.String({ minLength: 1 }),
              Type.Union([Type.Literal('error'), Type.Literal('warning'), Type.Literal('off')]),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    timings: Type.Optional(timingsFileSchema),
    /** The SQL source (its URL and credentials are environment variables). */
    sqlSource: Type.Optional(
      Type.Object(
        {
          /** How a SQL file that is not UTF-8 is decoded: a WHATWG encoding name (default gb18030). */
          fallbackEncoding: Type.Optional(nonEmpty),
          gitlab: Type.Optional(
            Type.Object(
              {
                /** Repository name (first segment of svn_path) → GitLab project id. */
                projects: Type.Record(Type.String({ minLength: 1 }), positiveInt),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** The original program's status query, GET /cicdflow/. */
    legacy: Type.Optional(
      Type.Object({ statusWithoutAuth: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    ),
    limits: Type.Optional(
      Type.Object(
        {
          bodyLimitBytes: Type.Optional(positiveInt),
          webhookBodyLimitBytes: Type.Optional(positiveInt),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Per environment: the SQL files it skips by name, and production's own upstreams (Archery, CMDB,
     * Apollo: Jira is one for both).
     */
    environments: Type.Optional(
      Type.Object(
        {
          UAT: Type.Optional(
            Type.Object(
              { dropSqlFilesContaining: Type.Optional(sqlFileMarks) },
              { additionalProperties: false },
            ),
          ),
          PRO: Type.Optional(
            Type.Object(
              { dropSqlFilesContaining: Type.Optional(sqlFileMarks), ...prodUpstreams },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** How production releases run: approvals, change windows, the production workflow's Jira names. */
    prod: Type.Optional(
      Type.Object(
        {
          issueType: Type.Optional(nonEmpty),
          approvals: Type.Optional(Type.Array(approvalStep, { minItems: 1 })),
          publisherMayApprove: Type.Optional(Type.Boolean()),
          changeWindows: Type.Optional(Type.Array(changeWindow, { minItems: 1 })),
          statuses: Type.Optional(
            Type.Object(
              { rejected: Type.Optional(nonEmpty), complete: Type.Optional(nonEmpty) },
              { additionalProperties: false },
            ),
          ),
          transitions: Type.Optional(
            Type.Object(
              { reject: Type.Optional(nonEmpty), resubmitIteration: Type.Optional(nonEmpty) },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** Person tokens, group permissions per event, sessions (see people-settings.ts). */
    people: Type.Optional(peopleFileSchema),
    /** The web console (see people-settings.ts). */
    console: Type.Optional(consoleFileSchema),
    /** Mail and chat notifications (see notification-settings.ts). */
    notifications: Type.Optional(notificationsFileSchema),
    /** Who may read GET /metrics (see observability-settings.ts). */
    metrics: Type.Optional(metricsFileSchema),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof configFileSchema>;
