/**
 * POST /cicdflow/ — a release request from the release system (compatible with the original):
 * 201 new release, 200 accepted iteration, 400 bad input, 401 bad token, 409 release mid-stage
 * (`release_busy`: retry when the stage ends) or ended (`release_final`: publish under a new summary, or
 * iterate in PRO).
 * Every answer also carries the original's fields, which the release system reads: `status` (true when
 * the request was taken), `msg`, `data` (the request as received) and `jira_issue_key` ('' until the
 * issue exists). The token is `Authorization: Bearer <token>` or, as the original's client sends it,
 * the bare token.
 */
import { normalizeReleaseRequest, releaseRequestSchema, validateReleaseRequest } from '@cdflow/core';
import { ApiError } from '../api-error.js';
import { requireToken } from '../require-token.js';
import type { CdflowApp, RouteContext } from '../route-context.js';
import { intakeAnswer, intakeErrorBody } from '../schemas.js';

/** Who the audit trail names as the author of intake requests (the intake token identifies the release system). */
const releaseSystemActor = 'release-system';

export function registerIntakeRoute(app: CdflowApp, { runtime, config }: RouteContext): void {
  app.post(
    '/cicdflow/',
    {
      bodyLimit: config.bodyLimitBytes,
      onRequest: requireToken(config, ['intake']),
      // Error answers (from the token check on) get the original's fields too; successes set their own.
      preSerialization: async (request, reply, payload) => {
        if (typeof payload !== 'object' || payload === null || 'status' in payload) return payload;
        const body = payload as Record<string, unknown>;
        return {
          ...body,
          ...originalFields(
            reply.statusCode < 300,
            typeof body.message === 'string' ? body.message : '',
            request.body,
            body.key,
          ),
        };
      },
      // Core validates the body (its messages name each field); the schema is here for the OpenAPI document.
      validatorCompiler: () => (value) => ({ value }),
      schema: {
        summary: 'Submit a release request (new release or iteration)',
        tags: ['intake'],
        security: [{ bearer: [] }, { token: [] }],
        body: releaseRequestSchema,
        response: {
          200: { description: 'Iteration accepted', ...intakeAnswer },
          201: { description: 'Release created', ...intakeAnswer },
          400: { description: 'Invalid request (field-level errors)', ...intakeErrorBody },
          401: { description: 'Missing or invalid intake token', ...intakeErrorBody },
          409: {
            description:
              'release_busy: the release is mid-stage, retry when the stage ends; release_final: it is closed or promoted to production, publish under a new summary (or iterate in PRO)',
            ...intakeErrorBody,
          },
          413: { description: 'Body too large', ...intakeErrorBody },
        },
      },
    },
    async (request, reply) => {
      const validation = validateReleaseRequest(request.body);
      if (!validation.ok) {
        const message = validation.errors.map((e) => `${e.path || '(body)'} ${e.message}`).join('; ');
        throw new ApiError(400, 'invalid_request', message, { errors: validation.errors });
      }
      // Core's errors (unknown project, routing, unusable item) carry the fields their 400 answers show.
      const normalized = normalizeReleaseRequest(validation.value, config.normalize);
      const result = await runtime.intake(normalized, releaseSystemActor);
      if (result.outcome === 'refused') {
        // A closed or promoted release is final: a re-publish never succeeds there (not "retry later").
        const error = result.refusal.kind === 'final' ? 'release_final' : 'release_busy';
        throw new ApiError(409, error, result.refusal.message, {
          key: result.release.key,
          state: result.refusal.state,
          acceptedEvents: result.refusal.acceptedEvents,
        });
      }
      const release = result.release;
      const created = result.outcome === 'created';
      const issue = release.key ?? `the Jira issue of release ${release.releaseId} (being opened)`;
      return reply.code(created ? 201 : 200).send({
        key: release.key,
        releaseId: release.releaseId,
        summary: release.summary,
        state: release.state,
        iteration: release.iteration,
        plan: release.plan,
        ...originalFields(
          true,
          created
            ? `Release created: ${issue}; the upgrade has started.`
            : `Iteration ${release.iteration} of ${issue} started: only what changed runs again.`,
          request.body,
          release.key,
        ),
      });
    },
  );
}

/** The original's answer fields: `status`, `msg`, `data` (the request body as received), `jira_issue_key`. */
function originalFields(status: boolean, msg: string, body: unknown, key: unknown) {
  return { status, msg, data: body ?? null, jira_issue_key: typeof key === 'string' ? key : '' };
}
