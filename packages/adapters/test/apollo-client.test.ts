import type { ApolloItem } from '@cdflow/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApolloSimulator, apolloErrorBody } from '../../sandbox/src/apollo/index.js';
import { ApolloClient } from '../src/apollo/index.js';
import { UpstreamError } from '../src/http/index.js';
import { rejectionOf } from './support/rejection-of.js';
import { type TokenClientTuning, tokenClientOptions } from './support/token-client-options.js';

let sim: ApolloSimulator;

beforeEach(async () => {
  sim = await ApolloSimulator.start();
});
afterEach(async () => {
  await sim.close();
});

const consoleNs = { appId: 'a18-console', cluster: 'default', namespace: 'application' };
const item: ApolloItem = { ...consoleNs, key: 'report.export.enabled', value: 'true' };
const itemRoute = 'PUT /openapi/v1/envs/:env/apps/:appId/clusters/:cluster/namespaces/:namespace/items/:key';
const releaseRoute =
  'POST /openapi/v1/envs/:env/apps/:appId/clusters/:cluster/namespaces/:namespace/releases';

const client = (tuning: TokenClientTuning = {}) => new ApolloClient(tokenClientOptions(sim, tuning));

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, UpstreamError);

describe('ApolloClient against the Apollo simulator', () => {
  it('creates an item, updates it, and publishes the namespace with the values', async () => {
    const c = client();
    await c.upsertItem('UAT', item, 'cdflow');
    await c.upsertItem('UAT', { ...item, value: 'false' }, 'cdflow');
    await c.upsertItem('UAT', { ...item, key: 'report.page.size', value: '50' }, 'apollo');
    expect(await c.getItem('UAT', consoleNs, 'report.export.enabled')).toMatchObject({
      value: 'false',
      dataChangeLastModifiedBy: 'cdflow',
    });
    expect(await c.getItem('UAT', consoleNs, 'no.such.key')).toBeNull();
    expect(sim.items().filter((i) => i.env === 'UAT')).toHaveLength(2);
    expect(sim.items().filter((i) => i.env === 'PRO')).toHaveLength(0);

    expect(await c.latestRelease('UAT', consoleNs)).toBeNull();
    const published = await c.publish('UAT', consoleNs, {
      title: 'cdflow rel-1 r1',
      comment: 'A18 20261120_01',
      releasedBy: 'cdflow',
    });
    expect(published.release.configurations).toEqual({
      'report.export.enabled': 'false',
      'report.page.size': '50',
    });
    expect(sim.releases()).toMatchObject([
      { id: published.releaseId, name: 'cdflow rel-1 r1', releasedBy: 'cdflow' },
    ]);
    expect((await c.latestRelease('UAT', consoleNs))?.id).toBe(published.releaseId);
  });

  it('sends the raw token and the JSON UTF-8 content type Apollo expects', async () => {
    await client().upsertItem('PRO', item, 'cdflow');
    expect(sim.items()).toMatchObject([{ env: 'PRO', key: item.key, value: 'true' }]);
    // A scheme before the token is refused: the portal compares the header as is.
    const bearer = new ApolloClient({
      baseUrl: sim.url,
      token: `Bearer ${sim.credentials.token}`,
      retries: 0,
    });
    expect((await rejection(bearer.upsertItem('PRO', item, 'cdflow'))).code).toBe('UNAUTHORIZED');
  });

  it('surfaces 401 with Apollo error body and no token in the error', async () => {
    const err = await rejection(client({ token: 'not-the-token-42' }).upsertItem('UAT', item, 'cdflow'));
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.status).toBe(401);
    expect(err.body).toMatchObject({ status: 401, message: 'Unauthorized' });
    expect(JSON.stringify(err.toJSON())).not.toContain('not-the-token-42');
    expect(sim.counters.get(itemRoute)).toBe(1);
  });

  it('surfaces 403 for an app the token is not authorised for', async () => {
    const err = await rejection(client().upsertItem('UAT', { ...item, appId: 'payment-core' }, 'cdflow'));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.body).toMatchObject({ status: 403, exception: expect.stringContaining('AccessDenied') });
  });

  it('surfaces 404 for a namespace that does not exist', async () => {
    const err = await rejection(client().upsertItem('UAT', { ...item, namespace: 'missing.yaml' }, 'cdflow'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.status).toBe(404);
  });

  it('surfaces a 400 with Apollo own message: missing operator, unknown user', async () => {
    const missing = await rejection(client().upsertItem('UAT', item, ''));
    expect(missing.code).toBe('VALIDATION');
    expect(missing.body).toMatchObject({
      status: 400,
      message: 'key and dataChangeLastModifiedBy should not be null or empty',
      exception: expect.stringContaining('BadRequestException'),
    });
    expect(missing.message).toContain('dataChangeLastModifiedBy should not be null or empty');
    const unknown = await rejection(client().upsertItem('UAT', item, 'mallory'));
    expect((unknown.body as { message: string }).message).toBe("User mallory doesn't exist!");
    const release = await rejection(
      client().publish('UAT', consoleNs, { title: '', comment: '', releasedBy: 'cdflow' }),
    );
    expect((release.body as { message: string }).message).toBe(
      'Params(releaseTitle and releasedBy) can not be empty',
    );
    expect(sim.counters.get(itemRoute)).toBe(2);
    expect(sim.releases()).toHaveLength(0);
  });

  it('waits at least Retry-After before retrying a 429, as the simulator saw it', async () => {
    sim.faults.inject({
      route: itemRoute,
      status: 429,
      body: apolloErrorBody(429, 'Too Many Requests, the flow is limited'),
      retryAfterSeconds: 1,
      times: 1,
    });
    await client().upsertItem('UAT', item, 'cdflow');
    const calls = sim.requests().filter((r) => r.route === itemRoute);
    expect(calls.map((r) => r.status)).toEqual([429, 200]);
    expect(calls[1]!.receivedAt - calls[0]!.receivedAt).toBeGreaterThanOrEqual(1000);
    expect(sim.items()).toHaveLength(1);
  });

  it('times out a call slower than the client timeout with TIMEOUT', async () => {
    sim.faults.inject({ route: itemRoute, latencyMs: 500 });
    const err = await rejection(client({ timeoutMs: 100, retries: 0 }).upsertItem('UAT', item, 'cdflow'));
    expect(err.code).toBe('TIMEOUT');
  });

  it('does not publish twice when a publish that was applied timed out', async () => {
    await client().upsertItem('UAT', item, 'cdflow');
    // The portal publishes but answers after 300 ms; the client gave up at 100 ms and looks the release up.
    sim.answerLate(releaseRoute, 300);
    const published = await client({ timeoutMs: 100 }).publish('UAT', consoleNs, {
      title: 'cdflow rel-2 r1',
      comment: '',
      releasedBy: 'cdflow',
    });
    expect(sim.counters.get(releaseRoute)).toBe(1);
    expect(sim.releases()).toHaveLength(1);
    expect(published.releaseId).toBe(sim.releases()[0]!.id);
  });

  it('publishes again when the failed publish was not applied', async () => {
    sim.faults.inject({ route: releaseRoute, status: 503, times: 1 });
    const published = await client().publish('UAT', consoleNs, {
      title: 'cdflow rel-3 r1',
      comment: '',
      releasedBy: 'cdflow',
    });
    expect(sim.counters.get(releaseRoute)).toBe(2);
    expect(sim.releases()).toMatchObject([{ id: published.releaseId, name: 'cdflow rel-3 r1' }]);
  });

  it('waits Retry-After before publishing again after a 429', async () => {
    sim.faults.inject({
      route: releaseRoute,
      status: 429,
      body: apolloErrorBody(429, 'Too Many Requests, the flow is limited'),
      retryAfterSeconds: 1,
      times: 1,
    });
    const c = new ApolloClient({ baseUrl: sim.url, token: sim.credentials.token, publishRetryDelayMs: 10 });
    await c.publish('UAT', consoleNs, { title: 'cdflow rel-6 r1', comment: '', releasedBy: 'cdflow' });
    const posts = sim.requests().filter((r) => r.route === releaseRoute);
    expect(posts.map((r) => r.status)).toEqual([429, 200]);
    expect(posts[1]!.receivedAt - posts[0]!.receivedAt).toBeGreaterThanOrEqual(1000);
    expect(sim.releases()).toHaveLength(1);
  });

  it('does not publish again when the latest release holds the current items (a retried effect, a restart)', async () => {
    const c = client();
    const release = { title: 'cdflow rel-5', comment: '', releasedBy: 'cdflow' };
    await c.upsertItem('UAT', item, 'cdflow');
    const first = await c.publish('UAT', consoleNs, release);
    const second = await c.publish('UAT', consoleNs, release);
    expect(second.releaseId).toBe(first.releaseId);
    expect(sim.releases()).toHaveLength(1);
    // A later revision changes a value: the same title publishes the new value.
    await c.upsertItem('UAT', { ...item, value: 'false' }, 'cdflow');
    const next = await c.publish('UAT', consoleNs, release);
    expect(next.releaseId).not.toBe(first.releaseId);
    expect(sim.releases().map((r) => r.configurations[item.key])).toEqual(['true', 'false']);
  });

  it('does not retry a publish refused with 400', async () => {
    const err = await rejection(
      client().publish('UAT', consoleNs, { title: 'cdflow rel-4 r1', comment: '', releasedBy: 'nobody' }),
    );
    expect(err.code).toBe('VALIDATION');
    expect(sim.counters.get(releaseRoute)).toBe(1);
  });
});
