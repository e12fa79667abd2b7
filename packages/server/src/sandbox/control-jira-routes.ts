/**
 * The control API's Jira side: act as a named person of the simulated Jira (move an issue, comment),
 * and as ops on a release (confirm or fail the config change, i.e. 配置升级成功 / 配置升级失败). The moves
 * go through the simulator's rules and its webhook, exactly as a person's click in Jira would.
 */
import type { JiraSimWorkflow } from '@cdflow/sandbox';
import Type from 'typebox';
import { ApiError, notFound } from '../http/api-error.js';
import type { CdflowApp } from '../http/route-context.js';
import { act, type ControlContext, releaseOf } from './control-context.js';
import { jiraSignIns } from './jira-sign-ins.js';

const keyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 200 }) });
const person = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'a seed person of the Jira simulator',
});

export function registerJiraControlRoutes(app: CdflowApp, context: ControlContext): void {
  const { sandbox, runtime, config } = context;
  const jira = sandbox.jira;

  const personNamed = (name: string): string => {
    const names = jiraSignIns(sandbox).map((p) => p.name);
    if (!names.includes(name)) {
      throw new ApiError(
        400,
        'invalid_request',
        `/as must be a person of the Jira simulator: one of ${names.join(', ')}`,
        {
          errors: [{ path: '/as', message: `must be one of ${names.join(', ')}` }],
        },
      );
    }
    return name;
  };
  const workflowOf = (issueType: string): JiraSimWorkflow =>
    issueType === config.jira.issueType ? jira.workflow : jira.prodWorkflow;
  const issueNow = (key: string) => {
    const issue = jira.issue(key);
    if (!issue) throw notFound(`the Jira simulator has no issue ${key}`);
    const workflow = workflowOf(issue.issueType);
    const state = workflow.statuses.find((s) => s.name === issue.status)?.state;
    const transitions = workflow.transitions
      .filter((t) => state !== undefined && t.from?.includes(state))
      .map((t) => (t.groups ? `${t.name} (groups ${t.groups.join(', ')})` : t.name));
    return {
      key: issue.key,
      summary: issue.summary,
      status: issue.status,
      transitions,
      comments: issue.comments,
    };
  };
  const move = (key: string, as: string, transition: string) =>
    act(context, async () => {
      const before = issueNow(key);
      try {
        await jira.actAs(personNamed(as)).transition(key, transition);
      } catch (error) {
        if (error instanceof ApiError) throw error;
        throw new ApiError(
          400,
          'invalid_request',
          `${as} cannot move ${key} by "${transition}" from ${before.status}: ${(error as Error).message}. ` +
            `Open now: ${before.transitions.join(', ') || 'none'}.`,
        );
      }
      return issueNow(key);
    });

  app.get('/jira/people', async () => ({ url: sandbox.urls.jira, people: jiraSignIns(sandbox) }));

  app.get('/jira/issues/:key', { schema: { params: keyParams } }, async (request) =>
    issueNow(request.params.key),
  );

  app.post(
    '/jira/issues/:key/transitions',
    {
      schema: {
        params: keyParams,
        body: Type.Object(
          {
            as: person,
            transition: Type.String({ minLength: 1, maxLength: 200, description: 'the transition name' }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => move(request.params.key, request.body.as, request.body.transition),
  );

  app.post(
    '/jira/issues/:key/comments',
    {
      schema: {
        params: keyParams,
        body: Type.Object(
          { as: person, body: Type.String({ minLength: 1, maxLength: 32_000 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { key } = request.params;
      const answer = await act(context, async () => {
        issueNow(key);
        await jira.actAs(personNamed(request.body.as)).comment(key, request.body.body);
        return issueNow(key);
      });
      return reply.code(201).send(answer);
    },
  );

  const opsBody = Type.Object(
    {
      as: Type.Optional(person),
      reason: Type.Optional(
        Type.String({ minLength: 1, maxLength: 4000, description: 'said in a comment first' }),
      ),
    },
    { additionalProperties: false },
  );
  const issueKeyOf = async (ref: string): Promise<string> => {
    const release = await releaseOf(runtime, ref);
    if (release.key === null)
      throw new ApiError(400, 'invalid_request', `release ${ref} has no Jira issue yet`);
    return release.key;
  };
  const names = config.jira.names.transitions;
  /**
   * Ops act on what Jira shows: once cdflow's own move to CONFIG执行中 is there (it follows the decision
   * that brought the release to the config stage by a moment).
   */
  const configStageIssue = async (ref: string): Promise<string> => {
    const release = await releaseOf(runtime, ref);
    const key = await issueKeyOf(ref);
    // The config stage is where ops decide: the release accepts their confirmation (core says so).
    if (!release.acceptedEvents.includes('CONFIG_CONFIRMED')) {
      throw new ApiError(
        400,
        'invalid_request',
        `${key} is in ${release.step} (Jira ${release.jiraStatus}): ops decide when the config change waits for them (configExecuting)`,
      );
    }
    const status = config.jira.names.statuses.configExecuting;
    for (const until = Date.now() + 10_000; jira.issue(key)?.status !== status && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return key;
  };

  app.post('/ops/releases/:key/confirm', { schema: { params: keyParams, body: opsBody } }, async (request) =>
    move(await issueKeyOf(request.params.key), request.body.as ?? 'ops1', names.configSucceeded),
  );

  app.post('/ops/releases/:key/fail', { schema: { params: keyParams, body: opsBody } }, async (request) => {
    const key = await configStageIssue(request.params.key);
    const as = personNamed(request.body.as ?? 'ops1');
    const { reason } = request.body;
    if (reason !== undefined) await act(context, () => jira.actAs(as).comment(key, reason));
    return move(key, as, names.configFailed);
  });
}
