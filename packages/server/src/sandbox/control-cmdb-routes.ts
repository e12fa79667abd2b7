/** The control API's CMDB side: the deploy targets, and how their deploys end from now on. */
import Type from 'typebox';
import { ApiError } from '../http/api-error.js';
import type { CdflowApp } from '../http/route-context.js';
import { act, type ControlContext } from './control-context.js';

export function registerCmdbControlRoutes(app: CdflowApp, context: ControlContext): void {
  const cmdb = context.sandbox.cmdb;

  app.get('/cmdb/targets', async () => ({ targets: cmdb.targets() }));

  app.post(
    '/cmdb/outcome',
    {
      schema: {
        body: Type.Object(
          {
            service: Type.String({
              minLength: 1,
              maxLength: 300,
              description: 'a code item svn_path (all its targets), a target name or a target id',
            }),
            outcome: Type.Enum(['failed', 'success']),
            message: Type.Optional(
              Type.String({ minLength: 1, maxLength: 4000, description: "the CMDB's words" }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { service, outcome, message } = request.body;
      const targets = cmdb
        .targets()
        .filter((t) => t.svnPath === service || t.name === service || String(t.id) === service);
      if (targets.length === 0) {
        const paths = [...new Set(cmdb.targets().map((t) => t.svnPath))];
        throw new ApiError(
          400,
          'invalid_request',
          `/service names no CMDB target: give an svn_path (${paths.join(', ')}), a target name or id (GET /cmdb/targets)`,
          { errors: [{ path: '/service', message: 'names no CMDB target' }] },
        );
      }
      const key = /^\d+$/.test(service) ? Number(service) : service;
      await act(context, () => cmdb.setOutcome(key, outcome, message));
      return { service, outcome, message: message ?? null, targets: targets.map((t) => t.name) };
    },
  );
}
