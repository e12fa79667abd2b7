import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApolloClient } from '../../adapters/src/apollo/index.js';
import { CmdbClient } from '../../adapters/src/cmdb/index.js';
import { type Sandbox, startSandbox } from '../src/start-sandbox.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ cmdb: { taskDurationMs: 50 } });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('startSandbox', () => {
  it('starts four simulators on distinct loopback ports', () => {
    const urls = Object.values(sandbox.urls);
    expect(urls).toHaveLength(4);
    expect(new Set(urls).size).toBe(4);
    for (const url of urls) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.urls.cmdb).toBe(sandbox.cmdb.url);
  });

  it('Jira answers the service user with the sandbox token', async () => {
    const res = await fetch(`${sandbox.urls.jira}/rest/api/2/myself`, {
      headers: { authorization: `Bearer ${sandbox.credentials.jira.token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: sandbox.credentials.jira.user });
    expect(sandbox.credentials.jira.user).toBe('cdflow');
  });

  it('Archery logs the service user in with the sandbox password', async () => {
    const res = await fetch(`${sandbox.urls.archery}/api/auth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sandbox.credentials.archery),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ access: expect.any(String), refresh: expect.any(String) });
  });

  it('CMDB answers the seeded targets and runs a deploy', async () => {
    const cmdb = new CmdbClient({ baseUrl: sandbox.urls.cmdb, token: sandbox.credentials.cmdb.token });
    const target = await cmdb.findTarget('PRO', 'a18/cc_report_service', 'V2');
    expect(target.name).toBe('PRO_a18_report_V2');
    const { taskId } = await cmdb.deploy(target, {
      version: '877',
      operator: 'cdflow',
      requestId: 'sandbox-1',
    });
    expect(sandbox.cmdb.deploys()).toMatchObject([{ taskId, version: '877' }]);
  });

  it('Apollo accepts an item and publishes the seeded a18-console namespace', async () => {
    const apollo = new ApolloClient({
      baseUrl: sandbox.urls.apollo,
      token: sandbox.credentials.apollo.token,
    });
    const ns = { appId: 'a18-console', cluster: 'default', namespace: 'application' };
    await apollo.upsertItem('UAT', { ...ns, key: 'report.export.enabled', value: 'true' }, 'cdflow');
    const { releaseId } = await apollo.publish('UAT', ns, {
      title: 'sandbox',
      comment: '',
      releasedBy: 'cdflow',
    });
    expect(sandbox.apollo.releases()).toMatchObject([
      { id: releaseId, configurations: { 'report.export.enabled': 'true' } },
    ]);
  });
});

describe('Sandbox.close', () => {
  it('closes all four: nothing answers afterwards', async () => {
    const other = await startSandbox();
    const urls = Object.values(other.urls);
    await other.close();
    for (const url of urls) {
      const err = await fetch(url).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, url).toBeInstanceOf(Error);
    }
  });
});
