import { describe, expect, it } from 'vitest';
import { closingAfterEach, firstUpgradeJiraStatuses, sampleRequest } from './support/e2e-harness.js';
import {
  confirmConfigUntilUatComplete,
  eventually,
  type Scenario,
  startScenario,
} from './support/e2e-scenario.js';

const closedAfterTest = closingAfterEach();

/** Drives a first upgrade to uatComplete in auto mode (cdflow executes the SQL; ops confirm the config). */
async function firstUpgrade(s: Scenario, body: Record<string, unknown>): Promise<string> {
  const res = await s.intake(body);
  expect(res.status).toBe(201);
  const key = String(res.body.key);
  await confirmConfigUntilUatComplete(s, key);
  await s.server.runtime.idle(); // the last move's outcome is recorded after Jira shows it
  return key;
}

/** Upstream calls that would change something, per simulator. */
function upstreamWork(s: Scenario) {
  return {
    issuesCreated: s.sandbox.jira.counters.get('POST /rest/api/2/issue'),
    ordersSubmitted: s.sandbox.archery.counters.get('POST /api/v1/workflow/'),
    executions: s.sandbox.archery.counters.get('POST /api/v1/workflow/execute/'),
    deploys: s.sandbox.cmdb.deploys().length,
    apolloReleases: s.sandbox.apollo.releases().length,
  };
}

/** The Jira transitions cdflow performed, in order (from the release's audit trail). */
async function jiraTransitionsOf(s: Scenario, key: string): Promise<string[]> {
  const items = await s.history(key);
  return items
    .filter((i) => i.event === 'effect:jira.moveTo')
    .flatMap((i) => {
      const result = (i.detail as { result?: { transitions?: string[] } } | undefined)?.result;
      return result?.transitions ?? [];
    });
}

describe('a new request for a completed release', () => {
  it('with only one code version changed deploys only that service, resubmits no SQL, opens no issue', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'auto' }));
    const body = sampleRequest();
    const key = await firstUpgrade(h, body);
    const before = upstreamWork(h);

    const code = body.code_info as Array<Record<string, string>>;
    const changed = { ...body, code_info: [code[0], { ...code[1], svn_version: '878' }] };
    const res = await h.intake(changed);
    expect(res.status).toBe(200);
    expect(res.body.key).toBe(key);
    expect(res.body.iteration).toBe(2);

    const done = await h.waitForState(key, (s) => s === 'uatComplete');
    expect(done.iteration).toBe(2);
    await h.waitForJiraStatus(key, 'UAT升级完成');
    await h.server.runtime.idle(); // the move's outcome is recorded after Jira shows it
    const after = upstreamWork(h);
    expect(after.issuesCreated).toBe(before.issuesCreated);
    expect(after.ordersSubmitted).toBe(before.ordersSubmitted);
    expect(after.executions).toBe(before.executions);
    expect(after.apolloReleases).toBe(before.apolloReleases);
    const newDeploys = h.sandbox.cmdb.deploys().slice(before.deploys);
    expect(newDeploys.map((d) => `${d.svnPath}@${d.version}:${d.status}`)).toEqual([
      'a18/cc_report_service@878:success',
    ]);
    expect(h.jiraStatuses(key)).toEqual([
      ...firstUpgradeJiraStatuses,
      'SQL待执行',
      'CONFIG执行中',
      'CODE执行中',
      'UAT升级完成',
    ]);
    expect(await jiraTransitionsOf(h, key)).toEqual([
      '提交SQL',
      'SQL升级成功',
      '代码升级成功',
      'UAT自动迭代升级',
      '无SQL升级/已升级',
      '无配置升级/已升级',
      '代码升级成功',
    ]);
    // The issue's code field shows the new version (fields are written before the issue is moved).
    expect(JSON.stringify(h.sandbox.jira.issue(key)?.fields.customfield_10103)).toContain('878');
  });

  it('identical to the last one skips through the 无…/已升级 moves back to uatComplete with no upstream work', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'auto' }));
    const body = sampleRequest();
    const key = await firstUpgrade(h, body);
    const before = upstreamWork(h);
    const movesBefore = (await jiraTransitionsOf(h, key)).length;

    const res = await h.intake(body);
    expect(res.status).toBe(200);
    expect(res.body.iteration).toBe(2);
    const plan = res.body.plan as Record<string, Array<{ decision: string }>>;
    for (const section of ['sql', 'apollo', 'config', 'code'])
      expect(plan[section]?.every((e) => e.decision === 'skip')).toBe(true);

    await h.waitForState(key, (s) => s === 'uatComplete');
    await eventually('the last Jira move', async () =>
      (await jiraTransitionsOf(h, key)).length >= movesBefore + 4 ? true : undefined,
    );
    await h.waitForJiraStatus(key, 'UAT升级完成');
    await h.server.runtime.idle(); // the move's outcome is recorded after Jira shows it
    expect((await jiraTransitionsOf(h, key)).slice(movesBefore)).toEqual([
      'UAT自动迭代升级',
      '无SQL升级/已升级',
      '无配置升级/已升级',
      '无代码升级/已升级',
    ]);
    expect(upstreamWork(h)).toEqual(before);
    expect((await h.release(key)).iteration).toBe(2);
  });
});
