/** The REST v2 routes of the simulated Jira (and its `/__sim/jira/` test-control routes). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { commentJson, issueJson, transitionJson, userDetailJson, userJson } from './jira-representation.js';
import type { JiraSimUser } from './jira-seed.js';
import { JiraSimError } from './jira-sim-error.js';
import type { JiraSimState } from './jira-sim-state.js';
import type { JiraWebhookDispatcher, JiraWebhookRegistration } from './jira-webhooks.js';

const base = '/rest/api/2';

export function registerJiraRoutes(
  app: FastifyInstance,
  state: JiraSimState,
  webhooks: JiraWebhookDispatcher,
  actAs: (user: string) => {
    transition(issueKey: string, transitionName: string): Promise<void>;
    edit(issueKey: string, fields: Record<string, unknown>): Promise<void>;
  },
): void {
  const userOf = new WeakMap<FastifyRequest, JiraSimUser>();
  const who = (request: FastifyRequest) => userOf.get(request)!;

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/rest/')) return;
    const caller = state.authenticate(request.headers.authorization);
    if (caller.kind !== 'user') {
      // Jira never challenges (no WWW-Authenticate for Basic); Seraph says why in a header. After too
      // many wrong passwords it denies without checking the password, with 403: the CAPTCHA has been
      // triggered (what cdflow's console sign-in answers as jira_login_denied).
      if (caller.kind === 'refused') reply.header('x-seraph-loginreason', caller.reason);
      if (caller.kind === 'refused' && caller.reason === 'AUTHENTICATION_DENIED') {
        return reply
          .code(403)
          .header('x-authentication-denied-reason', `CAPTCHA_CHALLENGE; login-url=${state.baseUrl}/login.jsp`)
          .send({ errorMessages: [state.messages.notAuthenticated], errors: {} });
      }
      return reply.code(401).send({ errorMessages: [state.messages.notAuthenticated], errors: {} });
    }
    userOf.set(request, caller.user);
    reply.header('x-ausername', caller.user.name);
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply: FastifyReply) => {
    if (error instanceof JiraSimError) return reply.code(error.status).send(error.body);
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      return reply
        .code(status)
        .type('text/html')
        .send('<html><body><h1>Internal Server Error</h1></body></html>');
    }
    return reply.code(status).send({ errorMessages: [error.message], errors: {} });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ message: `null for uri: ${state.baseUrl}${request.url}`, 'status-code': 404 }),
  );

  type KeyParams = { Params: { key: string } };

  const expands = (expand: string | undefined, what: string) =>
    (expand ?? '').split(',').some((e) => e.trim() === what);

  app.get<{ Querystring: { expand?: string } }>(`${base}/myself`, async (request) =>
    userDetailJson(state, who(request).name, expands(request.query.expand, 'groups')),
  );

  app.get<{ Querystring: { username?: string; key?: string; expand?: string } }>(
    `${base}/user`,
    async (request) => {
      const name = request.query.username ?? request.query.key;
      if (name === undefined || name === '')
        throw JiraSimError.messages(404, state.messages.userNameRequired);
      if (!state.users.has(name)) throw JiraSimError.messages(404, state.messages.userDoesNotExist(name));
      return userDetailJson(state, name, expands(request.query.expand, 'groups'));
    },
  );

  // Jira Server's paged group members (PageBean): at most 50 a page, `isLast` and `nextPage` to go on.
  app.get<{
    Querystring: { groupname?: string; startAt?: string; maxResults?: string; includeInactiveUsers?: string };
  }>(`${base}/group/member`, async (request) => {
    const group = request.query.groupname;
    if (group === undefined || group === '')
      throw JiraSimError.messages(400, state.messages.groupNameRequired);
    const members = state.groupMembers(group);
    if (!members) throw JiraSimError.messages(404, state.messages.groupDoesNotExist(group));
    const startAt = Math.max(0, Number.parseInt(request.query.startAt ?? '0', 10) || 0);
    const maxResults = Math.min(50, Math.max(1, Number.parseInt(request.query.maxResults ?? '50', 10) || 50));
    const page = members.slice(startAt, startAt + maxResults);
    const isLast = startAt + page.length >= members.length;
    const link = (at: number) =>
      `${state.baseUrl}${base}/group/member?includeInactiveUsers=false&maxResults=${maxResults}&groupname=${encodeURIComponent(group)}&startAt=${at}`;
    return {
      self: link(startAt),
      ...(isLast ? {} : { nextPage: link(startAt + maxResults) }),
      maxResults,
      startAt,
      total: members.length,
      isLast,
      values: page.map((u) => userJson(state, u.name)),
    };
  });

  app.post(`${base}/issue`, async (request, reply) => {
    const issue = state.create(who(request), request.body);
    return reply
      .code(201)
      .send({ id: String(issue.id), key: issue.key, self: `${state.baseUrl}${base}/issue/${issue.id}` });
  });

  app.get<KeyParams & { Querystring: { fields?: string; expand?: string } }>(
    `${base}/issue/:key`,
    async (request) => {
      const issue = state.get(request.params.key);
      const fields = request.query.fields?.split(',').map((f) => f.trim());
      const expand = (request.query.expand ?? '').split(',').includes('changelog');
      return issueJson(state, issue, fields, expand);
    },
  );

  app.put<KeyParams>(`${base}/issue/:key`, async (request, reply) => {
    state.edit(who(request), request.params.key, request.body);
    return reply.code(204).send();
  });

  app.get<KeyParams>(`${base}/issue/:key/transitions`, async (request) => {
    const workflow = state.get(request.params.key).issueType.workflow;
    return {
      expand: 'transitions',
      transitions: state
        .available(who(request), request.params.key)
        .map((t) => transitionJson(state, workflow, t)),
    };
  });

  app.post<KeyParams>(`${base}/issue/:key/transitions`, async (request, reply) => {
    state.transition(who(request), request.params.key, request.body);
    return reply.code(204).send();
  });

  app.get<KeyParams>(`${base}/issue/:key/comment`, async (request) => {
    const issue = state.get(request.params.key);
    return {
      startAt: 0,
      maxResults: issue.comments.length,
      total: issue.comments.length,
      comments: issue.comments.map((c) => commentJson(state, issue, c)),
    };
  });

  app.post<KeyParams>(`${base}/issue/:key/comment`, async (request, reply) => {
    const issue = state.get(request.params.key);
    const comment = state.comment(who(request), issue.key, request.body);
    return reply.code(201).send(commentJson(state, issue, comment));
  });

  const search = (input: { jql?: unknown; startAt?: unknown; maxResults?: unknown; fields?: unknown }) => {
    const jql = typeof input.jql === 'string' ? input.jql : '';
    const startAt = Math.max(0, Number(input.startAt ?? 0) || 0);
    const maxResults = Math.min(1000, Math.max(0, Number(input.maxResults ?? 50) || 0));
    const fields = Array.isArray(input.fields)
      ? input.fields.map(String)
      : typeof input.fields === 'string'
        ? input.fields.split(',')
        : ['*navigable'];
    const result = state.search(jql, startAt, maxResults);
    return {
      expand: 'schema,names',
      startAt,
      maxResults,
      total: result.total,
      issues: result.issues.map((i) => issueJson(state, i, fields, false)),
    };
  };
  app.post(`${base}/search`, async (request) => {
    if (typeof request.body !== 'object' || request.body === null) {
      throw JiraSimError.messages(
        400,
        'Can not deserialize instance of SearchRequestBean out of the request body',
      );
    }
    return search(request.body as Record<string, unknown>);
  });
  app.get<{ Querystring: Record<string, string> }>(`${base}/search`, async (request) =>
    search(request.query),
  );

  // Test control over HTTP, for tests that drive the simulator from another process.
  app.post<{ Body: JiraWebhookRegistration }>('/__sim/jira/webhooks', async (request) => {
    webhooks.register(request.body);
    return { ok: true };
  });
  app.get('/__sim/jira/webhook-deliveries', async () =>
    webhooks.deliveries().map(({ payload: _p, ...d }) => d),
  );
  app.post<{
    Body: { user: string; issueKey: string; transition?: string; fields?: Record<string, unknown> };
  }>('/__sim/jira/act', async (request) => {
    const { user, issueKey, transition, fields } = request.body;
    if (transition !== undefined) await actAs(user).transition(issueKey, transition);
    if (fields !== undefined) await actAs(user).edit(issueKey, fields);
    return { ok: true };
  });
}
