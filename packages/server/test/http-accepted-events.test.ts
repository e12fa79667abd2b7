/**
 * `acceptedEvents` offers only what the caller may send: person events, never the machine's own (effect
 * outcomes, timers, polls), in GET /api/releases/:key and in a 409 refusal alike.
 */
import { personEventTypes } from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { defaultTimings } from '../src/config/load-config.js';
import { jsonInit, releaseRequest, sharedTestServer, testTokens } from './support/test-server.js';

const server = sharedTestServer({
  sqlMode: 'manual',
  timings: { ...defaultTimings, archeryPollMs: 50, cmdbPollMs: 50, jiraReconcileMs: 0 },
});

const internal = [
  'EFFECT_FAILED',
  'ISSUE_READY',
  'TIMER_FIRED',
  'SQL_ORDERS_POLLED',
  'SQL_ORDER_SUBMITTED',
  'NEW_ITERATION',
];

describe('acceptedEvents', () => {
  it('lists person events only, in the release view and in a 409', async () => {
    const posted = await server.request(
      '/cicdflow/',
      jsonInit(releaseRequest('【A18】【升级】accepted_events_01'), testTokens.intake),
    );
    expect(posted.status).toBe(201);
    const { key } = (await posted.json()) as { key: string };
    let view: { state: string; acceptedEvents: string[] } | null = null;
    for (const until = Date.now() + 20_000; Date.now() < until; ) {
      view = (await (
        await server.request(`/api/releases/${key}`, { token: testTokens.operator })
      ).json()) as {
        state: string;
        acceptedEvents: string[];
      };
      if (view.state === 'sqlExecuting') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(view?.state).toBe('sqlExecuting');
    // Mode manual: the DBA confirms or reports a failure; cdflow's own polls and timers are not offered.
    expect(view?.acceptedEvents).toEqual(['SQL_CONFIRMED', 'SQL_REPORTED_FAILED']);

    const refused = await server.request(
      `/api/releases/${key}/events`,
      jsonInit({ type: 'CONFIG_CONFIRMED', by: 'ops' }, testTokens.operator),
    );
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { acceptedEvents: string[]; message: string };
    expect(body.acceptedEvents).toEqual(['SQL_CONFIRMED', 'SQL_REPORTED_FAILED']);
    for (const type of body.acceptedEvents) expect(personEventTypes).toContain(type);
    for (const type of internal) {
      expect(body.acceptedEvents).not.toContain(type);
      expect(body.message).not.toContain(type);
    }
    expect(body.message).toContain('Accepted here: SQL_CONFIRMED, SQL_REPORTED_FAILED.');
  });
});
