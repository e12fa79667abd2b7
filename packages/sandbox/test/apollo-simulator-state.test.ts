import { describe, expect, it } from 'vitest';
import { ApolloSimulator } from '../src/apollo/index.js';
import { simulatorsClosedAfterEach } from './support/simulators-closed-after-each.js';

const simulators = simulatorsClosedAfterEach<ApolloSimulator>();

const ns = '/openapi/v1/envs/UAT/apps/a18-console/clusters/default/namespaces/application';

async function start(state?: unknown) {
  const sim = simulators.enlist(await ApolloSimulator.start(state === undefined ? {} : { state }));
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: {
        authorization: sim.credentials.token,
        ...(body === undefined ? {} : { 'content-type': 'application/json;charset=UTF-8' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
    };
  };
  return { sim, call };
}

describe('Apollo state across a restart', () => {
  it('continues from a snapshot: items, users, releases and the release id sequence', async () => {
    const first = await start();
    first.sim.addUser('ops1');
    const put = await first.call('PUT', `${ns}/items/feature.x?createIfNotExists=true`, {
      key: 'feature.x',
      value: 'on',
      comment: 'REL-1',
      dataChangeLastModifiedBy: 'ops1',
    });
    expect(put.status).toBe(200);
    const released = await first.call('POST', `${ns}/releases`, {
      releaseTitle: 'REL-1',
      releasedBy: 'cdflow',
    });
    const snapshot = JSON.parse(JSON.stringify(first.sim.snapshotState())) as unknown;
    expect(JSON.stringify(snapshot)).not.toContain(first.sim.credentials.token);

    const second = await start(snapshot);
    expect(second.sim.items()).toEqual(first.sim.items());
    expect((await second.call('GET', `${ns}/releases/latest`)).body).toMatchObject({
      id: released.body!.id,
      configurations: { 'feature.x': 'on' },
    });
    // The user added at run time is still a portal user; the next release gets the next id.
    await second.call('PUT', `${ns}/items/feature.x`, {
      key: 'feature.x',
      value: 'off',
      dataChangeLastModifiedBy: 'ops1',
    });
    const next = await second.call('POST', `${ns}/releases`, { releaseTitle: 'REL-2', releasedBy: 'ops1' });
    expect(next.status).toBe(200);
    expect(next.body!.id).toBe((released.body!.id as number) + 1);
    // The unauthorised app is still refused.
    expect(
      (
        await second.call(
          'GET',
          '/openapi/v1/envs/UAT/apps/payment-core/clusters/default/namespaces/application',
        )
      ).status,
    ).toBe(403);
    await expect(ApolloSimulator.start({ state: { version: 1, namespaces: {} } })).rejects.toThrow(
      'Apollo simulator state: namespaces must be an array',
    );
  });
});
