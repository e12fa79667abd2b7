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
  it('starts six simulators on distinct loopback ports', () => {
    const { cmdbSearch, cmdbUpgrade, svn, ...roots } = sandbox.urls;
    const ports = [...Object.values(roots), svn].map((u) => new URL(u).port);
    expect(ports).toHaveLength(6);
    expect(new Set(ports).size).toBe(6);
    for (const url of Object.values(roots)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(svn).toBe(`${sandbox.svn.url}`);
    expect(svn).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/svn$/);
    expect(sandbox.urls.cmdb).toBe(sandbox.cmdb.url);
    expect(cmdbSearch).toBe(`${sandbox.urls.cmdb}/api/project/search`);
    expect(cmdbUpgrade).toBe(`${sandbox.urls.cmdb}/api/project/upgrade/`);
  });

  it('SVN serves a SQL file of the sample release at its revision with the sandbox user', async () => {
    const { user, password } = sandbox.credentials.svn;
    const res = await fetch(
      `${sandbox.urls.svn}/database_acc/db_a18/acc/01.acc_view_store_by_region.sql?p=2001`,
      {
        headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      'CREATE OR REPLACE VIEW store_by_region AS SELECT id, name, region FROM store WHERE closed_at IS NULL;',
    );
  });

  it('GitLab serves the same file at tag 2001 with the sandbox token', async () => {
    const id = sandbox.gitlab.projectIds().database_acc;
    const file = encodeURIComponent('db_a18/acc/02.acc_dml_store_region.sql');
    const res = await fetch(
      `${sandbox.urls.gitlab}/api/v4/projects/${id}/repository/files/${file}/raw?ref=2001`,
      {
        headers: { 'private-token': sandbox.credentials.gitlab.token },
      },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("UPDATE store SET region = 'north' WHERE region = 'N';");
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
  it('closes them all: nothing answers afterwards', async () => {
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
