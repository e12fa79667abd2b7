/** The tasks dialect (cdflow's deploy contract): find targets, deploy with a `request_id`, poll the task. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CmdbSimulator } from './cmdb-simulator.js';

function fail(reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).send({ error });
}

export function registerTasksRoutes(app: FastifyInstance, sim: () => CmdbSimulator): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/api/v1/projects', async (request, reply) => {
    const { env, svn_path: svnPath } = request.query;
    if (!env) return fail(reply, 400, 'env is required');
    if (!svnPath) return fail(reply, 400, 'svn_path is required');
    const data = sim()
      .findTargets(env, svnPath)
      .map((t) => ({ id: t.id, name: t.name, env: t.env, tag: t.tag, svn_path: t.svnPath }));
    return { data };
  });

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/v1/projects/:id/upgrade',
    async (request, reply) => {
      const id = Number(request.params.id);
      const target = Number.isInteger(id) ? sim().target(id) : undefined;
      if (!target) return fail(reply, 404, `project ${request.params.id} not found`);
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return fail(reply, 400, 'body must be a JSON object with version, operator and request_id');
      }
      const { version, operator, request_id: requestId } = body as Record<string, unknown>;
      for (const [name, value] of [
        ['version', version],
        ['operator', operator],
        ['request_id', requestId],
      ] as const) {
        if (value === undefined || value === null || value === '')
          return fail(reply, 400, `${name} is required`);
        if (typeof value !== 'string') return fail(reply, 400, `${name} must be a string`);
      }
      const input = {
        version: version as string,
        operator: operator as string,
        requestId: requestId as string,
      };
      const seen = sim().deployByRequestId(input.requestId);
      if (seen) {
        if (seen.targetId !== target.id || seen.version !== input.version) {
          return fail(
            reply,
            409,
            `request_id ${input.requestId} was already used for project ${seen.targetId} version ${seen.version}`,
          );
        }
        return reply.code(202).send({ task_id: seen.taskId, status: sim().taskState(seen).status });
      }
      const running = sim().runningDeploy(target.id);
      if (running) {
        return fail(reply, 409, `project ${target.id} is already being upgraded by task ${running.taskId}`);
      }
      const record = sim().startDeploy(target, input);
      return reply.code(202).send({ task_id: record.taskId, status: 'pending' });
    },
  );

  app.get<{ Params: { taskId: string } }>('/api/v1/tasks/:taskId', async (request, reply) => {
    const record = sim().deployByTaskId(request.params.taskId);
    if (!record) return fail(reply, 404, `task ${request.params.taskId} not found`);
    const { status, message } = sim().taskState(record);
    return { task_id: record.taskId, status, message };
  });
}
