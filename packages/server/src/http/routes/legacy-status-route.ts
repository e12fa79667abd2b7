/**
 * GET /cicdflow/?summary=&sql_id= — the original's status query, same shape and codes:
 * `{code: 10200, data: {summary, upgrade_status, sql_info: [{sql_id, status, errormessage}], code_info}}`.
 * Body codes (HTTP 200 unless noted, as the original's clients read the body code):
 * - 10200 found;
 * - 10400 the `summary` parameter is missing (HTTP 400);
 * - 10404 no release has that summary (HTTP 404).
 * `upgrade_status` uses the original status codes (100 UAT升级完成, 101 SQL待执行, 102 SQL执行中,
 * 150 SQL执行失败, 151 代码升级失败, others from core's `legacyStatus`).
 */
import type { ReleaseView } from '../../runtime/runtime-api.js';
import { requireToken } from '../require-token.js';
import type { CdflowApp, RouteContext } from '../route-context.js';
import { legacyQuery } from '../schemas.js';

export const legacyCodes = { found: 10200, badRequest: 10400, unknownSummary: 10404 } as const;

export function legacyStatusBody(release: ReleaseView, sqlId: string | undefined) {
  const status = release.legacy.upgradeStatus;
  const sql = release.legacy.sql.filter((s) => sqlId === undefined || sqlId === '' || s.sqlId === sqlId);
  return {
    code: legacyCodes.found,
    data: {
      summary: release.summary,
      key: release.key,
      upgrade_status: status.code,
      upgrade_status_label: status.label,
      sql_info: sql.map((s) => ({
        sql_id: s.sqlId,
        status: s.status,
        errormessage: s.errormessage,
        workflow_id: release.sqlOrders.find((o) => o.sqlId === s.sqlId)?.workflowId ?? null,
      })),
      code_info: release.deployments.map((d) => ({
        svn_path: d.service,
        svn_version: d.svnVersion,
        tag: d.tag,
        status: d.status,
        errormessage: d.message ?? '',
      })),
    },
  };
}

export function registerLegacyStatusRoute(app: CdflowApp, { runtime, config }: RouteContext): void {
  app.get(
    '/cicdflow/',
    {
      onRequest: requireToken(config, ['intake']),
      schema: {
        summary: 'Legacy status query of the original release system',
        description:
          'Body codes: 10200 found, 10400 summary missing (HTTP 400), 10404 unknown summary (HTTP 404). ' +
          'upgrade_status: 100 UAT升级完成, 101 SQL待执行, 102 SQL执行中, 150 SQL执行失败, 151 代码升级失败, ' +
          'others as core legacyStatus documents.',
        tags: ['intake'],
        security: [{ bearer: [] }],
        querystring: legacyQuery,
      },
    },
    async (request, reply) => {
      const { summary, sql_id: sqlId } = request.query;
      if (summary === undefined || summary === '') {
        return reply.code(400).send({
          code: legacyCodes.badRequest,
          error: 'invalid_request',
          message:
            'the query parameter "summary" is required (the release summary, e.g. 【A18】【升级】20230101_01)',
          data: null,
        });
      }
      const release = runtime.findBySummary(summary);
      if (release === null) {
        return reply.code(404).send({
          code: legacyCodes.unknownSummary,
          error: 'not_found',
          message: `no release has the summary ${JSON.stringify(summary)}`,
          data: null,
        });
      }
      return legacyStatusBody(release, sqlId);
    },
  );
}
