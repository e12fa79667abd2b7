/**
 * DF-V002 across releases: once a version of a project reached UAT, a later release of the same project
 * with a lower version is stopped by the gate before anything is deployed, and Jira says why.
 */
import { describe, expect, it } from 'vitest';
import { closingAfterEach, sampleRequest, startHarness } from './support/e2e-harness.js';

const closedAfterTest = closingAfterEach();

const codeOnly = (summary: string, version: string, svnVersion: string) =>
  sampleRequest({
    summary,
    version,
    sql_info: [],
    apollo_info: [],
    config_info: [],
    code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: svnVersion, tag: '' }],
  });

describe('the version gate across releases (DF-V002)', () => {
  it('refuses a release whose version goes below the one already brought to UAT, deploying nothing', async () => {
    // The version rules are the data platform's policy: on for the projects policy.projects lists.
    const h = await closedAfterTest(
      startHarness({ sqlMode: 'manual', config: { policy: { projects: ['A18'] } } }),
    );
    const first = await h.intake(codeOnly('【A18】【升级】20261122_v120', '1.2.0', '2001'));
    expect(first.status).toBe(201);
    await h.waitForState(String(first.body.key), 'uatComplete');
    const deploysBefore = h.sandbox.cmdb.deploys().length;

    const lower = await h.intake(codeOnly('【A18】【升级】20261122_v110', '1.1.0', '2002'));
    expect(lower.status).toBe(201);
    const key = String(lower.body.key);
    const failed = await h.waitForState(key, 'sqlPending.failed');
    expect(JSON.stringify(failed.failure)).toMatch(/policy/i);
    expect(h.sandbox.cmdb.deploys()).toHaveLength(deploysBefore);
    const comments = h.sandbox.jira.issue(key)?.comments ?? [];
    expect(comments.join('\n')).toContain('DF-V002');

    // A higher version of the same project goes through.
    const higher = await h.intake(codeOnly('【A18】【升级】20261122_v121', '1.2.1', '2003'));
    await h.waitForState(String(higher.body.key), 'uatComplete');
    expect(h.sandbox.cmdb.deploys()).toHaveLength(deploysBefore + 1);
  });
});
