import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApolloSimulator } from '../src/apollo/index.js';
import { type JsonAnswer, jsonCall } from './support/json-call.js';

let sim: ApolloSimulator;

beforeEach(async () => {
  sim = await ApolloSimulator.start();
});
afterEach(async () => {
  await sim.close();
});

const base = '/openapi/v1/envs/UAT/apps/a18-console/clusters/default/namespaces/application';

function call(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = sim.credentials.token,
): Promise<JsonAnswer> {
  const headers: Record<string, string> = token === null ? {} : { authorization: token };
  return jsonCall(method, `${sim.url}${path}`, {
    body,
    headers,
    contentType: 'application/json;charset=UTF-8',
  });
}

const item = (over: Record<string, unknown> = {}) => ({
  key: 'feature.x',
  value: 'on',
  comment: 'cdflow',
  dataChangeLastModifiedBy: 'cdflow',
  dataChangeCreatedBy: 'cdflow',
  ...over,
});

describe('Apollo simulator', () => {
  it('answers a PUT with createIfNotExists 200 and no body, then GET returns the item', async () => {
    const put = await call('PUT', `${base}/items/feature.x?createIfNotExists=true`, item());
    expect(put.status).toBe(200);
    expect(put.text).toBe('');
    const got = await call('GET', `${base}/items/feature.x`);
    expect(got.body).toMatchObject({ key: 'feature.x', value: 'on', dataChangeCreatedBy: 'cdflow' });
  });

  it('refuses to update a missing item without createIfNotExists (404)', async () => {
    const put = await call('PUT', `${base}/items/feature.x`, item());
    expect(put.status).toBe(404);
    expect(put.body).toMatchObject({ status: 404, exception: expect.stringContaining('NotFoundException') });
    expect(sim.items()).toHaveLength(0);
  });

  it('answers errors as {status,message,timestamp,exception}: 400 for missing operator, key mismatch, bad user', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        item({ dataChangeLastModifiedBy: undefined }),
        'key and dataChangeLastModifiedBy should not be null or empty',
      ],
      [item({ key: 'feature.y' }), 'Key in path and payload is not consistent'],
      [item({ dataChangeLastModifiedBy: 'eve' }), "User eve doesn't exist!"],
    ];
    for (const [body, message] of cases) {
      const res = await call('PUT', `${base}/items/feature.x?createIfNotExists=true`, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        status: 400,
        message,
        timestamp: expect.any(String),
        exception: 'com.ctrip.framework.apollo.common.exception.BadRequestException',
      });
    }
    expect(sim.items()).toHaveLength(0);
  });

  it('refuses a wrong token (401), a foreign app (403), an unknown namespace (404)', async () => {
    expect((await call('GET', `${base}/items/feature.x`, undefined, 'bad')).status).toBe(401);
    expect((await call('GET', `${base}/items/feature.x`, undefined, null)).status).toBe(401);
    const forbidden = await call(
      'GET',
      '/openapi/v1/envs/UAT/apps/payment-core/clusters/default/namespaces/application/items/k',
    );
    expect(forbidden.body).toMatchObject({ status: 403, message: 'Access is denied' });
    const missing = await call(
      'GET',
      '/openapi/v1/envs/UAT/apps/a18-console/clusters/default/namespaces/other/items/k',
    );
    expect(missing.body).toMatchObject({ status: 404 });
  });

  it('publishes a release of the current items; latest answers it, or an empty 200 before any', async () => {
    const before = await call('GET', `${base}/releases/latest`);
    expect(before).toMatchObject({ status: 200, text: '' });
    await call('PUT', `${base}/items/feature.x?createIfNotExists=true`, item());
    const published = await call('POST', `${base}/releases`, {
      releaseTitle: 'r1',
      releaseComment: 'first',
      releasedBy: 'cdflow',
    });
    expect(published.body).toMatchObject({
      id: expect.any(Number),
      appId: 'a18-console',
      clusterName: 'default',
      namespaceName: 'application',
      name: 'r1',
      configurations: { 'feature.x': 'on' },
      comment: 'first',
    });
    expect((await call('GET', `${base}/releases/latest`)).body).toEqual(published.body);
    expect(sim.releases()).toHaveLength(1);
  });

  it('refuses a release without title or by an unknown user (400)', async () => {
    expect((await call('POST', `${base}/releases`, { releasedBy: 'cdflow' })).body).toMatchObject({
      status: 400,
      message: 'Params(releaseTitle and releasedBy) can not be empty',
    });
    expect((await call('POST', `${base}/releases`, { releaseTitle: 't', releasedBy: 'eve' })).status).toBe(
      400,
    );
    expect(sim.releases()).toHaveLength(0);
  });

  it('answers a malformed JSON body with 400 in Apollo shape, not 500', async () => {
    const res = await fetch(`${sim.url}${base}/releases`, {
      method: 'POST',
      headers: { authorization: sim.credentials.token, 'content-type': 'application/json' },
      body: '{"releaseTitle": ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, message: expect.any(String) });
  });
});
