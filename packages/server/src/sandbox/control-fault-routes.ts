/**
 * The control API's upstream faults: the simulators' fault injector over HTTP — an error status (with
 * an optional body and Retry-After), latency, a malformed body, on one route or all, at a rate, a number
 * of times.
 */
import type { FaultRule } from '@cdflow/sandbox';
import Type from 'typebox';
import type { CdflowApp } from '../http/route-context.js';
import type { ControlContext } from './control-context.js';
import { type SimulatorName, simulatorNames } from './sandbox-state-file.js';

const upstream = Type.Enum([...simulatorNames], { description: 'which simulator' });

export function registerFaultControlRoutes(app: CdflowApp, context: ControlContext): void {
  const { sandbox } = context;
  const injectorOf = (name: SimulatorName) => sandbox[name].faults;

  app.get('/faults', async () =>
    Object.fromEntries(simulatorNames.map((name) => [name, injectorOf(name).list()])),
  );

  app.post(
    '/faults',
    {
      schema: {
        body: Type.Object(
          {
            upstream,
            route: Type.Optional(
              Type.String({
                pattern: '^(\\*|(GET|POST|PUT|DELETE|PATCH) /\\S*)$',
                description: '`METHOD /route/:pattern` as the simulator registers it, or * (default)',
              }),
            ),
            status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
            body: Type.Optional(Type.Unknown({ description: 'JSON answered with status' })),
            retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
            latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 120_000 })),
            malformed: Type.Optional(Type.Boolean()),
            rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
            times: Type.Optional(Type.Integer({ minimum: 1 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { upstream: name, route = '*', ...rest } = request.body;
      const rule: FaultRule = { route };
      if (rest.status !== undefined) rule.status = rest.status;
      if (rest.body !== undefined) rule.body = rest.body;
      if (rest.retryAfterSeconds !== undefined) rule.retryAfterSeconds = rest.retryAfterSeconds;
      if (rest.latencyMs !== undefined) rule.latencyMs = rest.latencyMs;
      if (rest.malformed !== undefined) rule.malformed = rest.malformed;
      if (rest.rate !== undefined) rule.rate = rest.rate;
      if (rest.times !== undefined) rule.times = rest.times;
      const id = injectorOf(name).inject(rule);
      return reply.code(201).send({ upstream: name, id, rule });
    },
  );

  app.delete(
    '/faults',
    {
      schema: {
        querystring: Type.Object({ upstream: Type.Optional(upstream) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const names = request.query.upstream === undefined ? [...simulatorNames] : [request.query.upstream];
      for (const name of names) injectorOf(name).clear();
      return { cleared: names };
    },
  );
}
