/**
 * The original's CMDB (CMDB_DIALECT=jiracdflow) has no idempotency key: a synchronous upgrade whose
 * answer never reached cdflow, because cdflow was killed, may have deployed. cdflow, started again on the
 * same SQLite file, sends it again — deploying the same version twice is harmless — and says so in the
 * release's history and the target's message.
 */
import { describe, expect, it } from 'vitest';
import { crashRigPerTest, within } from './support/crash-rig.js';
import { sampleRequest } from './support/e2e-harness.js';

const startRig = crashRigPerTest();

describe('kill -9 during a synchronous CMDB upgrade', () => {
  it('sends the upgrade again after the restart and says so in the history', async () => {
    const rig = await startRig({
      sqlMode: 'auto',
      env: ({ gates }) => ({
        CMDB_DIALECT: 'jiracdflow',
        CMDB_BASE_URL: '',
        CMDB_SEARCH_URL: `${gates.cmdb.url}/api/project/search`,
        CMDB_UPGRADE_URL: `${gates.cmdb.url}/api/project/upgrade/`,
      }),
    });
    await rig.start();
    const request = sampleRequest({
      sql_info: [],
      apollo_info: [],
      config_info: [],
      version: undefined,
      code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1090', tag: '' }],
    });
    const summary = String(request.summary);
    // The upgrade reaches the CMDB, which deploys; its answer is held and cdflow is killed.
    const applied = rig.gates.cmdb.holdAfterApply('GET', /^\/api\/project\/upgrade\/\d+$/);
    void rig.client.intake(request).catch(() => undefined);
    await within(applied, 30_000, `the upgrade to reach the CMDB\n${rig.child?.output() ?? ''}`);
    await rig.kill9();
    await rig.start();

    const done = await rig.client.waitFor(summary, (x) => x.state === 'uatComplete', 'uatComplete', 30_000);
    const upgrades = rig.sandbox.cmdb.upgrades();
    expect(upgrades.map((u) => `${u.name}@${u.version} ${u.status}`)).toEqual([
      'UAT_a18_console@1090 成功',
      'UAT_a18_console@1090 成功',
    ]);
    const [deployment] = done.deployments as Array<{
      targets: Array<{ name: string; status: string; resent?: boolean; message: string }>;
    }>;
    expect(deployment?.targets[0]).toMatchObject({
      name: 'UAT_a18_console',
      status: 'success',
      resent: true,
    });
    expect(deployment?.targets[0]?.message).toMatch(/^sent again after a restart or a lost answer .*: 成功$/);
    const history = await rig.client.history(summary);
    const report = history.find((e) => e.event === 'DEPLOYS_REPORTED');
    const detail = report?.detail as { event: { deploys: Array<{ resent?: boolean }> } } | undefined;
    expect(detail?.event.deploys[0]?.resent).toBe(true);
  }, 90_000);
});
