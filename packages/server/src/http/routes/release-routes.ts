/**
 * The query and operator API under /api/releases. Reads need the operator token or the intake token
 * (the release system may look at its releases); sending an event needs the operator token.
 */
import type { PersonEvent } from '@cdflow/core';
import { ApiError, notFound } from '../api-error.js';
import { requireToken } from '../require-token.js';
import type { CdflowApp, RouteContext } from '../route-context.js';
import {
  errorBody,
  historyList,
  listQuery,
  operatorEventBody,
  releaseKeyParams,
  releaseList,
  releaseView,
} from '../schemas.js';

const reasonEvents = new Set(['SQL_REPORTED_FAILED', 'CONFIG_REPORTED_FAILED']);

export function registerReleaseRoutes(app: CdflowApp, { runtime, config }: RouteContext): void {
  const readAuth = requireToken(config, ['operator', 'intake']);

  app.get(
    '/api/releases',
    {
      onRequest: readAuth,
      schema: {
        summary: 'List releases (newest first), filtered by state, project, env',
        tags: ['releases'],
        security: [{ bearer: [] }],
        querystring: listQuery,
        response: { 200: releaseList, 400: errorBody, 401: errorBody },
      },
    },
    async (request) => {
      const { state, project, env } = request.query;
      const limit = request.query.limit ?? 50;
      const offset = request.query.offset ?? 0;
      const { total, items } = runtime.listReleases({
        limit,
        offset,
        ...(state !== undefined ? { state } : {}),
        ...(project !== undefined ? { project } : {}),
        ...(env !== undefined ? { env: env as 'UAT' | 'PRO' } : {}),
      });
      return { total, limit, offset, items };
    },
  );

  app.get(
    '/api/releases/:key',
    {
      onRequest: readAuth,
      schema: {
        summary: 'One release: state, Jira status, plan, SQL orders, deployments, iteration',
        tags: ['releases'],
        security: [{ bearer: [] }],
        params: releaseKeyParams,
        response: { 200: releaseView, 401: errorBody, 404: errorBody },
      },
    },
    async (request) => {
      const release = runtime.getRelease(request.params.key);
      if (release === null)
        throw notFound(
          `no release ${JSON.stringify(request.params.key)} (give a Jira issue key or a release id)`,
        );
      return release;
    },
  );

  app.get(
    '/api/releases/:key/history',
    {
      onRequest: readAuth,
      schema: {
        summary: 'Audit trail of a release: every event, decision and effect',
        tags: ['releases'],
        security: [{ bearer: [] }],
        params: releaseKeyParams,
        response: { 200: historyList, 401: errorBody, 404: errorBody },
      },
    },
    async (request) => {
      const items = runtime.history(request.params.key);
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
      onRequest: requireToken(config, ['operator']),
      schema: {
        summary: "An operator's decision (same rules and audit as a Jira decision)",
        tags: ['releases'],
        security: [{ bearer: [] }],
        params: releaseKeyParams,
        body: operatorEventBody,
        response: { 200: releaseView, 400: errorBody, 401: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => {
      const { type, by = 'operator', reason } = request.body;
      const event = (
        reasonEvents.has(type) && reason !== undefined ? { type, by, reason } : { type, by }
      ) as PersonEvent;
      const result = await runtime.sendEvent(request.params.key, event, 'operator');
      if (result === null)
        throw notFound(
          `no release ${JSON.stringify(request.params.key)} (give a Jira issue key or a release id)`,
        );
      if (result.outcome === 'refused') {
        throw new ApiError(409, 'event_refused', result.refusal.message, {
          state: result.refusal.state,
          acceptedEvents: result.refusal.acceptedEvents,
        });
      }
      return result.release;
    },
  );
}
