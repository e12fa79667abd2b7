/**
 * POST /cicdflow/ — a release request from the release system (compatible with the original):
 * 201 new release, 200 accepted iteration, 400 bad input, 401 bad token, 409 release mid-stage.
 */
import { normalizeReleaseRequest, releaseRequestSchema, validateReleaseRequest } from '@cdflow/core';
import { ApiError } from '../api-error.js';
import { requireToken } from '../require-token.js';
import type { CdflowApp, RouteContext } from '../route-context.js';
import { errorBody, intakeAnswer } from '../schemas.js';

/** Who the audit trail names as the author of intake requests (the intake token identifies the release system). */
const releaseSystemActor = 'release-system';

export function registerIntakeRoute(app: CdflowApp, { runtime, config }: RouteContext): void {
  app.post(
    '/cicdflow/',
    {
      bodyLimit: config.bodyLimitBytes,
      onRequest: requireToken(config, ['intake']),
      // Core validates the body (its messages name each field); the schema is here for the OpenAPI document.
      validatorCompiler: () => (value) => ({ value }),
      schema: {
        summary: 'Submit a release request (new release or iteration)',
        tags: ['intake'],
        security: [{ bearer: [] }],
        body: releaseRequestSchema,
        response: {
          200: { description: 'Iteration accepted', ...intakeAnswer },
          201: { description: 'Release created', ...intakeAnswer },
          400: { description: 'Invalid request (field-level errors)', ...errorBody },
          401: { description: 'Missing or invalid intake token', ...errorBody },
          409: { description: 'Release is mid-stage: retry when the stage ends', ...errorBody },
          413: { description: 'Body too large', ...errorBody },
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
        throw new ApiError(409, 'release_busy', result.refusal.message, {
          key: result.release.key,
          state: result.refusal.state,
          acceptedEvents: result.refusal.acceptedEvents,
        });
      }
      const release = result.release;
      return reply.code(result.outcome === 'created' ? 201 : 200).send({
        key: release.key,
        releaseId: release.releaseId,
        summary: release.summary,
        state: release.state,
        iteration: release.iteration,
        plan: release.plan,
      });
    },
  );
}
