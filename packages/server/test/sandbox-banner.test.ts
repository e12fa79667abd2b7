/** What sandbox mode prints at start, for each SQL mode: real keys, one-line ways to follow and act. */
import { type Sandbox, startSandbox } from '@cdflow/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { sandboxBanner, withSandboxUpstreams } from '../src/sandbox-mode.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(() => sandbox.close());

const banner = (sqlMode: string, release: { ref: string; summary: string; postedNow: boolean } | null) =>
  sandboxBanner({
    url: 'http://127.0.0.1:8080',
    config: loadConfig({ CDFLOW_SQL_MODE: sqlMode, CDFLOW_OPERATOR_TOKEN: 'op-token-for-the-banner-test' }),
    sandbox,
    controlUrl: 'http://127.0.0.1:8081',
    files: { state: 'data/cdflow.sandbox.json', log: 'data/cdflow.log' },
    notice: null,
    release,
    releases: release === null ? 0 : 3,
  });

describe('sandbox banner', () => {
  it('mode manual: the DBA executes through the control API and confirms in Jira as dba1, on the real key', () => {
    const text = banner('manual', { ref: 'AC-7', summary: '【A18】【升级】x', postedNow: false });
    expect(text).not.toContain('<key>');
    expect(text).toContain('3 release(s) in this sandbox; the latest is AC-7');
    expect(text).toContain(
      "curl -sS http://127.0.0.1:8081/releases/AC-7 -H 'Authorization: Bearer op-token-for-the-banner-test'",
    );
    expect(text).toContain('http://127.0.0.1:8080/api/releases/AC-7/history');
    expect(text).toContain('curl -sS -X POST http://127.0.0.1:8081/archery/releases/AC-7/execute');
    expect(text).toContain(`-d '{"as":"dba1","transition":"SQL升级成功"}'`);
    expect(text).toContain('curl -sS -X POST http://127.0.0.1:8081/ops/releases/AC-7/confirm');
    expect(text).toMatch(/^ {2}ops1 +ops1-sandbox-password +ops$/m);
    // The service user's generated password is cdflow's own, never printed.
    expect(text).not.toContain(sandbox.credentials.jira.token);
    expect(text).toContain('data/cdflow.log');
  });

  it('no release yet: no line acts on a key it does not know', () => {
    const text = banner('auto', null);
    expect(text).not.toMatch(/releases\/[^ ]*\/(confirm|execute|events)/);
    expect(text).toContain('Post a release:');
  });
});

describe('sandbox mode with production simulators', () => {
  it('points production at its own simulators and says where they run', async () => {
    const withProd = await startSandbox({ prod: true });
    try {
      const prod = withProd.prod!;
      const config = withSandboxUpstreams(loadConfig({ CDFLOW_SQL_MODE: 'auto' }), withProd);
      expect(config.environments.PRO).toMatchObject({
        archery: { baseUrl: prod.urls.archery, user: prod.credentials.archery.username },
        cmdb: { baseUrl: prod.urls.cmdb, token: prod.credentials.cmdb.token },
        apollo: { baseUrl: prod.urls.apollo },
      });
      expect(config.environments.PRO?.archery.baseUrl).not.toBe(config.archery.baseUrl);
      const text = sandboxBanner({
        url: 'http://127.0.0.1:8080',
        config,
        sandbox: withProd,
        controlUrl: 'http://127.0.0.1:8081',
        files: { state: 'data/cdflow.sandbox.json', log: 'data/cdflow.log' },
        notice: null,
        release: null,
        releases: 0,
      });
      expect(text).toContain(`PRO       archery ${prod.urls.archery}`);
    } finally {
      await withProd.close();
    }
  });
});
