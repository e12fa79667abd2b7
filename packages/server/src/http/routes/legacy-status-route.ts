/**
 * GET /cicdflow/?summary=&sql_id= — the original program's status query, answered as it answered it
 * (its `cicdflow/views.py`): always HTTP 200, the outcome in the body's `code` (core's
 * `legacyAnswerCodes`: 10200 `success`; 10404 `failed`, no such release or SQL work order; 10500
 * `failed`, the query is unusable or the lookup broke), an error as `data: { error }`. What the answer
 * says about a release (`upgrade_status`, `sql_info[]`) is core's rule (`legacyUpgradeStatus`,
 * `legacySqlInfo`); this route only frames it. It takes the intake token (Bearer or bare), or none when
 * the configuration says `legacy.statusWithoutAuth: true` (the original had no auth).
 */
import { legacyAnswerCodes } from '@cdflow/core';
import type { FastifyReply } from 'fastify';
import type { ReleaseView } from '../../runtime/runtime-api.js';
import { requireToken } from '../require-token.js';
import type { CdflowApp, RouteContext } from '../route-context.js';
import { legacyAnswer, legacyQuery } from '../schemas.js';

/** The answer's `data` for a release: the original's fields first, cdflow's additions after them. */
export function legacyStatusData(release: ReleaseView, sqlId: string | undefined) {
  const sql = release.legacy.sql.filter((s) => sqlId === undefined || s.sqlId === sqlId);
  return {
    summary: release.summary,
    upgrade_status: release.legacy.upgradeStatus,
    sql_info: sql.map((s) => ({
      sql_id: s.sqlId,
      status: s.status,
      errormessage: s.errormessage,
      workflow_id: s.workflowId,
    })),
    code_info: release.deployments.map((d) => ({
      svn_path: d.service,
      svn_version: d.svnVersion,
      tag: d.tag,
      status: d.status,
      errormessage: d.message ?? '',
    })),
    key: release.key,
    upgrade_status_label: release.jiraStatus,
    // Why it stopped or waits, in full: the failure's reason (policy findings, Archery's messages), or
    // the upstream that keeps failing; '' when nothing is wrong. `waiting_for` is the situation in words.
    errormessage: release.legacy.errorMessage,
    waiting_for: release.situation.summary,
  };
}

function failed(reply: FastifyReply, code: number, error: string) {
  return reply.code(200).send({ code, msg: 'failed', data: { error } });
}

/** One value of a query parameter (a repeated parameter counts by its first value), '' counting as absent. */
function param(value: unknown): string | undefined {
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof first === 'string' && first !== '' ? first : undefined;
}

export function registerLegacyStatusRoute(app: CdflowApp, { runtime, config }: RouteContext): void {
  app.get(
    '/cicdflow/',
    {
      ...(config.legacy.statusWithoutAuth ? {} : { onRequest: requireToken(config, ['intake']) }),
      // Every answer is HTTP 200 as the original's: a bad query is a 10500 in the body, not a 400.
      validatorCompiler: () => (value) => ({ value }),
      schema: {
        summary: 'Legacy status query of the original release system',
        description:
          'Always HTTP 200. Body codes: 10200 success, 10404 no release has the summary (or it has no SQL work ' +
          'order for sql_id), 10500 the summary is missing or the lookup failed (data.error says why). ' +
          'upgrade_status: 100 UAT升级完成, 101 SQL待执行, 102 SQL执行中, 150 SQL执行失败, 151 代码升级失败, ' +
          "else the Jira status name; sql_info[].status is Archery's status (workflow_finish, …) and " +
          "sql_info[].errormessage Archery's message for an order that failed there. errormessage: the release's " +
          'failure in full (policy findings with rule, location and fix; Archery messages), or the upstream that ' +
          "keeps failing, else ''; waiting_for: where the release is and what it waits for, in words.",
        tags: ['intake'],
        ...(config.legacy.statusWithoutAuth ? {} : { security: [{ bearer: [] }, { token: [] }] }),
        querystring: legacyQuery,
        response: { 200: legacyAnswer },
      },
    },
    async (request, reply) => {
      const query = (request.query ?? {}) as Record<string, unknown>;
      const summary = param(query.summary);
      const sqlId = param(query.sql_id);
      if (summary === undefined) {
        return failed(
          reply,
          legacyAnswerCodes.failed,
          'the query parameter "summary" is required (the release summary, e.g. 【A18】【升级】20230101_01)',
        );
      }
      let release: ReleaseView | null;
      try {
        release = await runtime.findBySummary(summary);
      } catch (error) {
        request.log.error({ err: error }, 'legacy status query failed');
        return failed(
          reply,
          legacyAnswerCodes.failed,
          `internal error; the server log has the details (request ${request.id})`,
        );
      }
      if (release === null) {
        return failed(
          reply,
          legacyAnswerCodes.notFound,
          `no release has the summary ${JSON.stringify(summary)}`,
        );
      }
      const data = legacyStatusData(release, sqlId);
      if (sqlId !== undefined && data.sql_info.length === 0) {
        return failed(
          reply,
          legacyAnswerCodes.notFound,
          `the release ${JSON.stringify(summary)} has no SQL work order for sql_id ${JSON.stringify(sqlId)} (not in the release, or not submitted to Archery yet)`,
        );
      }
      return reply.code(200).send({ code: legacyAnswerCodes.success, msg: 'success', data });
    },
  );
}
