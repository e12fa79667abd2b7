/**
 * Crash between reading the SQL files and submitting them: cdflow (a child process) is killed with
 * SIGKILL once it has read every file from SVN and is about to submit the first order to Archery, then
 * started again on the same SQLite file while SVN answers nothing but errors. The release still reaches
 * uatComplete, and Archery runs the texts read before the crash: each file was read once, never again.
 */
import { contentHash } from '@cdflow/core';
import { sqlSeedFiles } from '@cdflow/sandbox';
import { describe, expect, it } from 'vitest';
import { waitUntil } from './support/cdflow-client.js';
import { crashRigPerTest, within } from './support/crash-rig.js';
import { sampleRequest } from './support/e2e-harness.js';

const startRig = crashRigPerTest();

const files = [sqlSeedFiles.searchLaboratory, sqlSeedFiles.laboratoryCity];

/** The release system's request: SQL files in SVN at 1201, no sql_content; nothing for ops to confirm. */
function originalRequest(): Record<string, unknown> {
  return sampleRequest({
    config_info: [],
    sql_info: files.map((f, i) => ({
      sql_id: `a18-crash-0${i + 1}`,
      svn_path: f.svnPath,
      svn_file: f.svnFile,
      svn_version: '1201',
      has_deploy_uat: false,
    })),
  });
}

describe('kill -9 between the SQL fetch and the submission', () => {
  it('after restart the submitted text is the stored one, each file read once', async () => {
    const rig = await startRig({ sqlMode: 'auto', latencyMs: 10 });
    await rig.start();
    const request = originalRequest();
    const summary = String(request.summary);
    // submitOrder looks the order up in Archery (GET) before it submits: both files have been read by then.
    const beforeSubmission = rig.gates.archery.holdAfterApply('GET', /^\/api\/v1\/workflow\/$/);
    const answered = rig.client.intake(request).then(
      (a) => a.status,
      () => -1,
    );
    await within(beforeSubmission, 30_000, `the first Archery look-up\n${rig.child?.output() ?? ''}`);
    await rig.kill9();
    expect(await answered).toBe(201);
    expect(rig.sandbox.archery.orders(), 'nothing submitted before the crash').toEqual([]);
    const reads = () => rig.gates.svn.seen().filter((s) => s.startsWith('GET /svn/'));
    expect(reads()).toHaveLength(2);

    // From now on SVN fails every read: a second read would keep the release from completing.
    rig.sandbox.svn.faults.inject({ route: '*', status: 503 });
    await rig.start();

    const done = await rig.client.waitFor(summary, (x) => x.state === 'uatComplete', 'uatComplete', 30_000);
    await waitUntil(
      () => rig.sandbox.jira.issues().some((i) => i.summary === summary && i.status === 'UAT升级完成'),
      'Jira to show UAT升级完成',
    );
    const orders = rig.sandbox.archery.orders();
    expect(orders.map((o) => o.sqlContent)).toEqual(files.map((f) => f.text.trim()));
    expect(orders.every((o) => o.status === 'workflow_finish')).toBe(true);
    expect(reads(), 'each file read once, before the crash').toEqual(
      files.map((f) => `GET /svn/${f.svnPath}/${f.svnFile}`),
    );
    const stored = done.sqlTexts as { read: Array<{ ref: string; hash: string }> };
    expect(stored.read.map((t) => t.hash)).toEqual(files.map((f) => contentHash(f.text)));
    expect(rig.starts).toBe(2);
  }, 90_000);
});
