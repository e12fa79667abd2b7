import { describe, expect, it } from 'vitest';
import {
  closingAfterEach,
  finishSqlOrders,
  sampleRequest,
  settledRevision,
  tokens,
} from './support/e2e-harness.js';
import { eventually, jiraPerson, type Scenario, startScenario } from './support/e2e-scenario.js';

const closedAfterTest = closingAfterEach();

/** What cdflow recorded about the Jira deliveries of `issueKey` (read from its database). */
function recordedDeliveries(
  s: Scenario,
  issueKey: string,
): Promise<Array<{ outcome: string | null; status: string }>> {
  return s.sql('SELECT outcome, status FROM webhook_deliveries WHERE issue_key = ? ORDER BY id', [issueKey]);
}

describe('Jira webhook deliveries (signed, from the Jira simulator)', () => {
  it('an issue a person created in Jira is recorded and answered 2xx, and nothing else happens', async () => {
    const h = await closedAfterTest(startScenario());
    const res = await fetch(`${h.sandbox.urls.jira}/rest/api/2/issue`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${jiraPerson.name}:${jiraPerson.password}`).toString('base64')}`,
      },
      body: JSON.stringify({
        fields: { project: { key: 'AC' }, issuetype: { name: '升级' }, summary: '手工创建的升级单' },
      }),
    });
    expect(res.status).toBe(201);
    const issueKey = String(((await res.json()) as { key: string }).key);
    await h.sandbox.jira.flushWebhooks();

    const deliveries = h.sandbox.jira.webhookDeliveries().filter((d) => d.issueKey === issueKey);
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((d) => d.status !== null && d.status >= 200 && d.status < 300)).toBe(true);
    expect(deliveries.every((d) => d.signature?.startsWith('sha256='))).toBe(true);
    const recorded = await eventually('the delivery processed', async () => {
      const rows = await recordedDeliveries(h, issueKey);
      return rows.length > 0 && rows.every((r) => r.status === 'processed') ? rows : undefined;
    });
    expect(recorded.map((r) => r.outcome)).toEqual(deliveries.map(() => 'unknown-issue'));

    // No release, no comment, no move, no upstream call.
    const list = await fetch(`${h.url}/api/releases`, {
      headers: { authorization: `Bearer ${tokens.operator}` },
    });
    expect(((await list.json()) as { total: number }).total).toBe(0);
    const issue = h.sandbox.jira.issue(issueKey);
    expect(issue?.status).toBe('SQL待执行');
    expect(issue?.comments).toEqual([]);
    expect(issue?.history).toEqual([]);
    expect(h.sandbox.archery.counters.snapshot()).toEqual({});
    expect(h.sandbox.cmdb.deploys()).toEqual([]);
  });

  it('a move the machine does not allow now is recorded and answered with a comment, never applied', async () => {
    // A long pre-deploy delay (image sync) keeps the release in codeExecuting while the person acts.
    const h = await closedAfterTest(
      startScenario({ sqlMode: 'manual', config: { timings: { preDeployDelayMs: 600_000 } } }),
    );
    const res = await h.intake(sampleRequest({ sql_info: [], config_info: [] }));
    const key = String(res.body.key);
    await h.waitForState(key, 'codeExecuting');
    await h.waitForJiraStatus(key, 'CODE执行中');
    const before = await h.release(key);

    // 无代码升级/已升级 (CODE执行中 → UAT升级完成) is cdflow's to take, once the code is deployed.
    await h.sandbox.jira.actAs('tester').transition(key, '无代码升级/已升级');
    const refusal = await eventually('the refusal in the history', async () =>
      (await h.history(key)).find((i) => i.event === 'JIRA_STATUS_CHANGE' && i.actor === 'tester'),
    );
    expect(refusal.accepted).toBe(false);
    expect(refusal.fromState).toBe(before.step);
    expect(refusal.toState).toBe(before.step);
    const comment = await eventually('the answer on the issue', () => h.jiraComments(key).at(-1));
    expect(comment).toContain('无代码升级/已升级');
    expect(comment).toContain('CODE执行中');

    const after = await h.release(key);
    expect(after.state).toBe('codeExecuting');
    expect(after.step).toBe(before.step);
    expect(after.iteration).toBe(before.iteration);
    expect(h.sandbox.cmdb.deploys()).toEqual([]);
    const outcomes = (await recordedDeliveries(h, key)).map((r) => r.outcome);
    expect(outcomes).toContain('refused');
  });
});

describe('operator API', () => {
  it('an event the state does not accept → 409 naming the state and the accepted events', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    const res = await h.intake(sampleRequest());
    const key = String(res.body.key);
    await h.waitForState(key, 'sqlExecuting');
    // cdflow's own first moves done (Jira moved, Archery read): what a refused event must not change.
    await h.waitForJiraStatus(key, 'SQL执行中');
    const revision = await settledRevision(h, key);

    const refused = await h.operatorEvent(key, { type: 'CONFIG_CONFIRMED', by: 'ops', reason: 'done' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('event_refused');
    expect(refused.body.state).toBe('sqlExecuting');
    const accepted = refused.body.acceptedEvents as string[];
    expect(accepted).toContain('SQL_CONFIRMED');
    expect(accepted).toContain('SQL_REPORTED_FAILED');
    expect(accepted).not.toContain('CONFIG_CONFIRMED');
    expect(String(refused.body.message)).toContain('sqlExecuting');
    expect(String(refused.body.message)).toContain('SQL_CONFIRMED');

    const after = await h.release(key);
    expect(after.state).toBe('sqlExecuting');
    expect(after.revision).toBe(revision);

    // The same API with an event the state accepts moves the release on (and Jira with it), once
    // Archery shows the orders finished.
    finishSqlOrders(h.sandbox);
    const ok = await h.operatorEvent(key, { type: 'SQL_CONFIRMED', by: 'dba' });
    expect(ok.status).toBe(200);
    await h.waitForState(key, 'configExecuting');
    await h.waitForJiraStatus(key, 'CONFIG执行中');
  });
});
