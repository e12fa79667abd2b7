/**
 * The query and operator API under /api/releases. Reads need the operator token, the intake token (the
 * release system may look at its releases), a person token or a console session; sending an event needs
 * a person (person token, console session with its CSRF header) or the shared operator token, and the
 * history names that authenticated person, never a `by` the caller typed.
 */
import { operatorPersonEvent } from '@cdflow/core';
import { ApiError, badRequest, forbidden, notFound } from '../api-error.js';
import { assertMaySend } from '../auth/event-permissions.js';
import type { PeopleAuth } from '../auth/people-auth.js';
import { personOf } from '../auth/person.js';
import type { LiveReleases } from '../console/install-console.js';
import { searchReleases } from '../console/release-search.js';
import type { CdflowApp, RouteContext } from '../route-context.js';
import {
  bearerOrSession,
  described,
  effectRetryParams,
  errorResponse,
  historyList,
  jsonBodyErrors,
  listQuery,
  operatorEventBody,
  releaseEnvQuery,
  releaseKeyParams,
  releaseList,
  releaseView,
  unauthenticated,
} from '../schemas.js';

/** A production decision: its author's Jira groups are read from Jira, as for a move in Jira. */
const approvalEvents = new Set(['PROD_APPROVED', 'PROD_REJECTED']);

const unknownRelease = (key: string) =>
  notFound(
    `no release ${JSON.stringify(key)} (give a Jira issue key, a release id, or a summary with ?env=UAT or ?env=PRO)`,
  );

const badKey = errorResponse('The key is empty or longer than 200 characters');
const noRelease = errorResponse('No release has this Jira key or release id');

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
        security: bearerOrSession,
        querystring: listQuery,
        response: {
          200: described(releaseList, 'One page of releases, and how many match in all'),
          400: errorResponse('A query parameter is not what it takes: `errors` names it and what it expects'),
          401: unauthenticated,
        },
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

  /** A read of one release (by its key, or a summary with ?env): `read` gives it, or null (404). */
  const getOfRelease = <T>(
    url: string,
    { summary, found }: { summary: string; found: object },
    read: (key: string, env: 'UAT' | 'PRO' | undefined) => Promise<T | null>,
    answer: (value: T, key: string) => unknown,
  ) =>
    app.get(
      url,
      {
        onRequest: readAuth,
        schema: {
          summary,
          tags: ['releases'],
          security: bearerOrSession,
          params: releaseKeyParams,
          querystring: releaseEnvQuery,
          response: { 200: found, 400: badKey, 401: unauthenticated, 404: noRelease },
        },
      },
      async (request) => {
        const value = await read(request.params.key, request.query.env);
        if (value === null) throw unknownRelease(request.params.key);
        return answer(value, request.params.key);
      },
    );

  getOfRelease(
    '/api/releases/:key',
    {
      summary: 'One release: state, Jira status, plan, SQL orders, deployments, iteration',
      found: described(releaseView, 'The release, with where it is and why (situation)'),
    },
    (key, env) => runtime.getRelease(key, env),
    (release) => live.annotate(release),
  );
  getOfRelease(
    '/api/releases/:key/history',
    {
      summary: 'Audit trail of a release: every event, decision and effect',
      found: described(historyList, 'Every entry, oldest first'),
    },
    (key, env) => runtime.history(key, env),
    (items, key) => ({ key, items }),
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
        security: bearerOrSession,
        params: releaseKeyParams,
        querystring: releaseEnvQuery,
        body: operatorEventBody,
        response: {
          200: described(releaseView, 'Accepted: the release after the event'),
          ...jsonBodyErrors,
          401: errorResponse('No credential, or one that cannot decide (the intake token reads only)'),
          403: errorResponse(
            'A session write without its CSRF token (reason: csrf), a person not in a group people.events allows, or a production approval refused for who gives it (reason: approval_not_in_group, approval_twice, approval_by_publisher)',
          ),
          404: noRelease,
          409: errorResponse(
            'The release does not take this event now (event_refused; reason names a production refusal): acceptedEvents lists those it takes; the release ended (release_final)',
          ),
        },
      },
    },
    async (request) => {
      const { type, reason, step, acknowledgeDifferences } = request.body;
      const person = personOf(request);
      assertMaySend(config.people, person, type);
      let by = person.name;
      let groups = person.groups;
      if (approvalEvents.has(type)) {
        // A production approval names its approver: the authenticated person, or (shared operator
        // token) the Jira user in `approver`. Their groups are Jira's, read now.
        if (person.via === 'operator-token') {
          const approver = request.body.approver?.trim();
          if (!approver)
            throw badRequest(
              `${type} with the shared operator token names its approver: send "approver" (their Jira user name), or send it with that person's own token or console session`,
            );
          by = approver;
        } else if (request.body.approver !== undefined && request.body.approver !== person.name) {
          throw forbidden(
            `${person.name} may approve or reject only as themselves, not as ${request.body.approver}`,
          );
        }
        groups = await runtime.jiraUserGroups(by);
      }
      const event = operatorPersonEvent({
        type,
        by,
        groups,
        ...(reason === undefined ? {} : { reason }),
        ...(step === undefined ? {} : { step }),
        ...(acknowledgeDifferences === undefined ? {} : { acknowledgeDifferences }),
      });
      const result = await runtime.sendEvent(request.params.key, event, 'operator', request.query.env);
      if (result === null) throw unknownRelease(request.params.key);
      if (result.outcome === 'refused') {
        const { refusal } = result;
        const details = {
          state: refusal.state,
          acceptedEvents: refusal.acceptedEvents,
          ...(refusal.code === undefined ? {} : { reason: refusal.code }),
        };
        if (refusal.forbidden === true) throw forbidden(refusal.message, details);
        // A release that ended answers final (closed, or handed to production), whatever was asked.
        throw new ApiError(
          409,
          refusal.kind === 'final' ? 'release_final' : 'event_refused',
          refusal.message,
          details,
        );
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
        security: bearerOrSession,
        params: effectRetryParams,
        response: {
          200: described(releaseView, 'The effect is queued again: the release after the retry'),
          400: badKey,
          401: errorResponse('No credential, or one that cannot decide (the intake token reads only)'),
          403: errorResponse('A session write without its CSRF token (reason: csrf)'),
          404: errorResponse('No release has this key, or the release has no effect with this id'),
          409: errorResponse(
            'The effect has not failed, or the release took its failure as the stage failing (event_refused); the release ended (release_final)',
          ),
        },
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
