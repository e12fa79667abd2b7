/**
 * The control API's Archery side: act as the DBA on duty (the seed's `dba`) — pass an order's audit,
 * execute it, make its execution fail — and arm "the next SQL execution fails" for mode auto, where cdflow
 * executes right after submitting.
 */
import { isFinalArcheryStatus } from '@cdflow/core';
import type { ArcherySimOrderView } from '@cdflow/sandbox';
import Type from 'typebox';
import { notFound } from '../http/api-error.js';
import type { CdflowApp } from '../http/route-context.js';
import { act, type ControlContext, releaseOf } from './control-context.js';

const orderParams = Type.Object({ id: Type.Integer({ minimum: 1, description: 'Archery workflow_id' }) });
const keyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 200 }) });
const failMessage = Type.String({
  minLength: 1,
  maxLength: 4000,
  description: "Archery's execute error text",
});
const defaultFailure = "(1146, \"Table 'acc.store' doesn't exist\")";

const shown = (o: ArcherySimOrderView) => ({
  workflowId: o.workflowId,
  name: o.workflowName,
  status: o.status,
  instance: o.instance,
  db: o.dbName,
  audit: `${o.auditLevelsPassed}/${o.auditLevels}`,
});

export function registerArcheryControlRoutes(app: CdflowApp, context: ControlContext): void {
  const { sandbox, runtime, sqlFailures } = context;
  const archery = sandbox.archery;
  const order = (id: number) => {
    const found = archery.orders().find((o) => o.workflowId === id);
    if (!found)
      throw notFound(`Archery has no order with workflow_id ${id} (GET /archery/orders lists them)`);
    return found;
  };
  const ordersOfRelease = async (key: string) => {
    const ids = new Set(
      (await releaseOf(runtime, key)).sqlOrders.flatMap((o) => (o.workflowId === null ? [] : [o.workflowId])),
    );
    return archery.orders().filter((o) => ids.has(o.workflowId));
  };

  app.get(
    '/archery/orders',
    {
      schema: {
        querystring: Type.Object(
          { release: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { release } = request.query;
      const orders = release === undefined ? archery.orders() : await ordersOfRelease(release);
      return { orders: orders.map(shown), failNext: sqlFailures.armed() };
    },
  );

  app.post('/archery/orders/:id/audit', { schema: { params: orderParams } }, async (request) => {
    const { id } = request.params;
    order(id);
    await act(context, () => archery.dba.pass(id));
    return shown(order(id));
  });

  app.post(
    '/archery/orders/:id/execute',
    {
      schema: {
        params: orderParams,
        body: Type.Object(
          {
            mode: Type.Optional(
              Type.Enum(['auto', 'manual'], { description: 'auto runs in the background' }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { id } = request.params;
      order(id);
      await act(context, () => archery.dba.execute(id, request.body.mode ?? 'auto'));
      return shown(order(id));
    },
  );

  app.post(
    '/archery/orders/:id/fail',
    {
      schema: {
        params: orderParams,
        body: Type.Object({ message: Type.Optional(failMessage) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const { id } = request.params;
      order(id);
      await act(context, () => archery.dba.fail(id, request.body.message ?? defaultFailure));
      return shown(order(id));
    },
  );

  app.post('/archery/releases/:key/execute', { schema: { params: keyParams } }, async (request) => {
    const open = (await ordersOfRelease(request.params.key)).filter((o) => !isFinalArcheryStatus(o.status));
    await act(context, () => {
      for (const o of open) {
        if (o.status === 'workflow_manreviewing') archery.dba.pass(o.workflowId);
        const now = order(o.workflowId).status;
        if (now === 'workflow_review_pass' || now === 'workflow_timingtask')
          archery.dba.execute(o.workflowId);
      }
    });
    return { orders: open.map((o) => shown(order(o.workflowId))) };
  });

  app.post(
    '/archery/fail-next',
    {
      schema: {
        body: Type.Object(
          {
            message: Type.Optional(failMessage),
            times: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 50, description: 'orders in a row; default 1' }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({
      failNext: sqlFailures.arm(request.body.message ?? defaultFailure, request.body.times ?? 1),
    }),
  );

  app.delete('/archery/fail-next', async () => {
    sqlFailures.disarm();
    return { failNext: 0 };
  });
}
