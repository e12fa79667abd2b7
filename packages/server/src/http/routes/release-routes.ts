/**
 * The query and operator API under /api/releases. Reads need the operator token, the intake token (the
 * release system may look at its releases), a person token or a console session; sending an event needs
 * a person (person token, console session with its CSRF header) or the shared operator token, and the
 * history names that authenticated person, never a `by` the caller typed.
 */
import type { PersonEvent } from '@cdflow/core';
import { ApiError, notFound } from '../api-error.js';
import { assertMaySend } from '../auth/event-permissions.js';
import type { PeopleAuth } from '../auth/people-auth.js';
import { personOf } from '../auth/person.js';
import type { LiveReleases } from '../console/install-console.js';
import { searchReleases } from '../console/release-search.js';
import type { CdflowApp, RouteContext } from '../route-context.js';
import {
  effectRetryParams,
  errorBody,
  historyList,
  listQuery,
  operatorEventBody,
  releaseKeyParams,
  releaseList,
  releaseView,
} from '../schemas.js';

const reasonEvents = new Set(['SQL_REPORTED_FAILED', 'CONFIG_REPORTED_FAILED']);

export function registerReleaseRoutes(
  app: CdflowApp,
  { runtime, config, people, live }: RouteContext & { people: PeopleAuth; live: LiveReleases },
): void {
  const readAuth = people.authenticate(['operator-token', 'intake-token', 'person-token', 'session']);
  const decideAuth = people.authenticate(['operator-token', 'person-token', 'session']);

  app.get(
    '/api/releases',
    {
      onRequest: readAuth,
      schema: {
        summary: 'List releases (newest first), filtered by state, project, env, searched by q',
        tags: ['releases'],
        security: [{ bearer: [] }, { session: [] }],
        querystring: listQuery,
        response: { 200: releaseList, 400: errorBody, 401: errorBody },
      },
    },
    async (request) => {
      const { state, project, env, q } = request.query;
      const limit = request.query.limit ?? 50;
      const offset = request.query.offset ?? 0;
      const filter = {
        limit,
        offset,
        ...(state !== undefined ? { state } : {}),
        ...(project !== undefined ? { project } : {}),
        ...(env !== undefined ? { env: env as 'UAT' | 'PRO' } : {}),
      };
      const { total, items } =
        q === undefined ? await runtime.listReleases(filter) : await searchReleases(runtime, filter, q);
      return {
        total,
        limit,
        offset,
        items: await Promise.all(items.map((release) => live.annotate(release))),
      };
    },
  );

  app.get(
    '/api/releases/:key',
    {
      onRequest: readAuth,
      schema: {
        summary: 'One release: state, Jira status, plan, SQL orders, deployments, iteration',
        tags: ['releases'],
        security: [{ bearer: [] }, { session: [] }],
        params: releaseKeyParams,
        response: { 200: releaseView, 401: errorBody, 404: errorBody },
      },
    },
    async (request) => {
      const release = await runtime.getRelease(request.params.key);
      if (release === null)
        throw notFound(
          `no release ${JSON.stringify(request.params.key)} (give a Jira issue key or a release id)`,
        );
      return live.annotate(release);
    },
  );

  app.get(
    '/api/releases/:key/history',
    {
      onRequest: readAuth,
      schema: {
        summary: 'Audit trail of a release: every event, decision and effect',
        tags: ['releases'],
        security: [{ bearer: [] }, { session: [] }],
        params: releaseKeyParams,
        response: { 200: historyList, 401: errorBody, 404: errorBody },
      },
    },
    async (request) => {
      const items = await runtime.history(request.params.key);
      if (items === null)
        throw notFound(
          `no release ${JSON.stringify(request.params.key)} (give a Jira issue key or a release id)`,
        );
      return { key: request.params.key, items };
    },
  );

  app.post(
    '/api/releases/:key/events',
    {
      bodyLimit: config.bodyLimitBytes,
      onRequest: decideAuth,
      schema: {
        summary: "A person's decision (same rules and audit as a Jira decision)",
        description:
          'The history names the authenticated person (session, person token, or `operator` for the ' +
          'shared token); a `by` in the body is ignored. people.events may limit an event to Jira groups (403).',
        tags: ['releases'],
        security: [{ bearer: [] }, { session: [] }],
        params: releaseKeyParams,
        body: operatorEventBody,
        response: {
          200: releaseView,
          400: errorBody,
          401: errorBody,
          403: errorBody,
          404: errorBody,
          409: errorBody,
        },
      },
    },
    async (request) => {
      const { type, reason } = request.body;
      const person = personOf(request);
      assertMaySend(config.people, person, type);
      const by = person.name;
      const event = (
        reasonEvents.has(type) && reason !== undefined ? { type, by, reason } : { type, by }
      ) as PersonEvent;
      const result = await runtime.sendEvent(request.params.key, event, 'operator');
      if (result === null)
        throw notFound(
          `no release ${JSON.stringify(request.params.key)} (give a Jira issue key or a release id)`,
        );
      if (result.outcome === 'refused') {
        // A release that ended answers final (closed, or handed to production), whatever was asked.
        const error = result.refusal.kind === 'final' ? 'release_final' : 'event_refused';
        throw new ApiError(409, error, result.refusal.message, {
          state: result.refusal.state,
          acceptedEvents: result.refusal.acceptedEvents,
        });
      }
      return live.annotate(result.release);
    },
  );

  app.post(
    '/api/releases/:key/effects/:id/retry',
    {
      onRequest: decideAuth,
      schema: {
        summary: 'Run again an effect that failed for good (a person; recorded in the history)',
        description:
          'An effect nothing retries by itself (EFFECT_FAILED: e.g. the Jira issue could not be created) ' +
          "leaves the release stopped, its situation naming the effect's id and this route. Retrying " +
          'clears the failure (EFFECT_RETRY_REQUESTED, in the history under the authenticated person) and ' +
          'queues the failed effect again, in its own place. 404: no such release or effect; 409: the ' +
          'effect has not failed, or the release took its failure as the stage failing (act on the release).',
        tags: ['releases'],
        security: [{ bearer: [] }, { session: [] }],
        params: effectRetryParams,
        response: { 200: releaseView, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => {
      const { key, id } = request.params;
      const person = personOf(request);
      const result = await runtime.retryEffect(key, id, person.name);
      if (result === null)
        throw notFound(`no release ${JSON.stringify(key)} (give a Jira issue key or a release id)`);
      switch (result.outcome) {
        case 'unknown-effect':
          throw notFound(
            `release ${JSON.stringify(key)} has no effect ${id}: use an id its situation lists (waitsFor.retry)`,
          );
        case 'not-failed':
          throw new ApiError(
            409,
            'event_refused',
            `effect ${id} of release ${JSON.stringify(key)} has not failed (it is ${result.status}): nothing to retry`,
          );
        case 'refused':
          throw new ApiError(
            409,
            result.refusal.kind === 'final' ? 'release_final' : 'event_refused',
            `effect ${id} of release ${JSON.stringify(key)} is not waiting for a retry: ${result.refusal.message}`,
            { state: result.refusal.state, acceptedEvents: result.refusal.acceptedEvents },
          );
        case 'queued':
          return live.annotate(result.release);
      }
    },
  );
}
