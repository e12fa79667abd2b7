/**
 * The jiracdflow dialect (the original program's CMDB, as its client `util/cmdb_api.py` uses it):
 * - `GET /api/project/search` with a JSON body `{page, size, svn_path, name?}` (a body on a GET): the
 *   projects whose `project.svn_path` URL contains `svn_path` and whose name contains `name`, both
 *   case-insensitively — a loose search, so the client must apply the exact matching rules itself;
 * - `GET /api/project/upgrade/{id}?operation=upgrade&arg={version}` deploys synchronously and answers
 *   `data.status`: `成功`, or the failure's text.
 * Answers carry `code` (200 on success): a request it cannot read answers HTTP 200 with `code` 400, so a
 * client that does not check `code` is caught out.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { CmdbSimulator } from './cmdb-simulator.js';

/** The dialect's routes, relative to the simulator's `url` (`searchUrl`, `upgradeUrl`). */
export const jiracdflowSearchPath = '/api/project/search';
export const jiracdflowUpgradePath = '/api/project/upgrade/';

const refusal = (code: number, msg: string) => ({ code, msg, data: null });

/** Fastify does not parse the body of a GET; this CMDB reads it anyway. */
async function bodyText(raw: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of raw) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function positiveInteger(value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined;
}

export function registerJiracdflowRoutes(app: FastifyInstance, sim: () => CmdbSimulator): void {
  app.get(jiracdflowSearchPath, async (request) => {
    const text = await bodyText(request.raw);
    let body: unknown;
    try {
      body = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      return refusal(400, 'request body is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return refusal(400, 'a JSON body {"page","size","svn_path"} is required');
    }
    const query = body as Record<string, unknown>;
    if (typeof query.svn_path !== 'string' || query.svn_path === '')
      return refusal(400, 'svn_path is required');
    if (query.name !== undefined && typeof query.name !== 'string')
      return refusal(400, 'name must be a string');
    const page = positiveInteger(query.page, 1);
    const size = positiveInteger(query.size, 10);
    if (page === undefined) return refusal(400, 'page must be a positive integer');
    if (size === undefined) return refusal(400, 'size must be a positive integer');
    const svnPath = query.svn_path.toLowerCase();
    const name = typeof query.name === 'string' ? query.name.toLowerCase() : undefined;
    const matches = sim()
      .allTargets()
      .filter(
        (t) =>
          t.svnUrl.toLowerCase().includes(svnPath) &&
          (name === undefined || t.name.toLowerCase().includes(name)),
      );
    const items = matches.slice((page - 1) * size, page * size).map((t) => ({
      id: t.id,
      arg: t.version,
      project: { id: t.id, name: t.name, svn_path: t.svnUrl },
    }));
    return { code: 200, msg: 'success', data: { items, total: matches.length, page, size } };
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    `${jiracdflowUpgradePath}:id`,
    async (request, reply) => {
      const id = Number(request.params.id);
      const target = Number.isInteger(id) ? sim().target(id) : undefined;
      if (!target) return reply.code(404).send(refusal(404, `project ${request.params.id} not found`));
      const { operation, arg } = request.query;
      if (operation !== 'upgrade') {
        return reply
          .code(400)
          .send(refusal(400, `operation must be "upgrade", not ${JSON.stringify(operation ?? null)}`));
      }
      if (!arg) return reply.code(400).send(refusal(400, 'arg is required'));
      const upgrade = sim().upgrade(target, arg);
      return {
        code: 200,
        msg: 'success',
        data: { id: target.id, project: target.name, arg, status: upgrade.status },
      };
    },
  );
}
