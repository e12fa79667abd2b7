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
import { described, intakeAnswer, intakeErrorResponse } from '../schemas.js';

/** The request body's example in the OpenAPI document (a first upgrade: one SQL file, one setting, one service). */
export const releaseRequestExample = {
  project: 'A18',
  summary: '【A18】【升级】20230101_01',
  env: 'UAT',
  issue_type: '升级',
  upgrade_type: '日常版本需求',
  function_list: ['【A18】会员积分导出'],
  version: '1.1.1',
  sql_info: [
    {
      sql_id: 'a18-0001',
      svn_path: 'database_acc/db_a18/acc',
      svn_file: '01.acc_member_points_view.sql',
      svn_version: '3001',
      sql_content: 'CREATE OR REPLACE VIEW member_points_v AS SELECT id, points FROM member;',
    },
  ],
  apollo_info: [{ app_id: 'a18-console', namespace: 'application', key: 'points.export', value: 'on' }],
  config_info: [],
  code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1201', tag: '' }],
};

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
        body: { ...releaseRequestSchema, examples: [releaseRequestExample] },
        response: {
          200: described(intakeAnswer, 'Iteration accepted: only what changed runs again'),
          201: described(intakeAnswer, 'Release created'),
          400: intakeErrorResponse(
            'Not JSON (invalid_json), or an invalid request: `errors` names each field (invalid_request)',
          ),
          401: intakeErrorResponse('Missing or invalid intake token'),
          409: intakeErrorResponse(
            'release_busy: the release is mid-stage, retry when the stage ends; release_final: it ended (closed, promoted to production, rejected, a completed production release), publish under a new summary (or iterate in PRO)',
          ),
          413: intakeErrorResponse('Body too large'),
          415: intakeErrorResponse('The body is not application/json'),
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
