// Until the lead re-exports the Jira simulator from @cdflow/sandbox, import it from its folder.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JiraSimulator } from '../../sandbox/src/jira/index.js';
import { UpstreamError } from '../src/http/index.js';
import { JiraClient, JiraWorkflowError } from '../src/jira/index.js';
import { jiraClientOf } from './support/jira-client-of.js';

let sim: JiraSimulator;
let client: JiraClient;
const createRoute = 'POST /rest/api/2/issue';
const transitionRoute = 'POST /rest/api/2/issue/:key/transitions';

const fieldsFor = (summary: string, project = 'AC') => ({
  project: { key: project },
  issuetype: { name: '升级' },
  summary,
  customfield_10101: { value: '日常排版需求' },
  customfield_10200: '【A18】数据导出',
});

/**
 * Jira answers the list of transitions, then a person moves the issue before cdflow's transition arrives:
 * Jira refuses it (its own 400, in its own language), and cdflow re-reads and goes on.
 */
async function moveWhileADbaMovesIt(jira: JiraSimulator, c: JiraClient, summary: string) {
  const { key } = await c.createIssue(fieldsFor(summary));
  jira.answerLate('GET /rest/api/2/issue/:key/transitions', 150);
  const moving = c.moveToStatus(key, 'CODE执行中', '无SQL升级/已升级');
  await new Promise((resolve) => setTimeout(resolve, 50));
  await jira.actAs('dba').transition(key, '提交SQL');
  return { key, moved: await moving };
}

beforeAll(async () => {
  sim = await JiraSimulator.start();
  client = jiraClientOf(sim, { timeoutMs: 2000 });
});
afterEach(() => sim.faults.clear());
afterAll(() => sim.close());

describe('JiraClient happy paths', () => {
  it('ensures an issue exists: searches by exact summary first, creates once, finds it afterwards', async () => {
    const summary = '【A18】【升级】20230101_01 [hotfix] (v1.2.0)';
    expect(await client.findIssueBySummary('AC', summary)).toBeNull();
    const first = await client.ensureIssue(fieldsFor(summary));
    expect(first.created).toBe(true);
    const again = await client.ensureIssue(fieldsFor(summary));
    expect(again).toEqual({ key: first.key, created: false });
    // A summary that merely contains the other is a different release.
    const longer = await client.ensureIssue(fieldsFor(`${summary} bis`));
    expect(longer.key).not.toBe(first.key);
    expect(await client.findIssueBySummary('AC', summary)).toEqual({
      key: first.key,
      summary,
      status: 'SQL待执行',
    });
    expect(sim.issues().filter((i) => i.summary === summary)).toHaveLength(1);
  });

  it('edits fields, reads the issue, comments, lists transitions and searches', async () => {
    const { key } = await client.createIssue(fieldsFor('happy path'));
    await client.updateFields(key, {
      customfield_10201: 'a18-0001 05.act_ddl.sql',
      customfield_10101: { value: '紧急需求' },
    });
    expect(sim.issue(key)?.fields).toMatchObject({
      customfield_10201: 'a18-0001 05.act_ddl.sql',
      customfield_10101: { value: '紧急需求' },
    });
    expect(await client.getIssue(key)).toEqual({ key, summary: 'happy path', status: 'SQL待执行' });
    const details = await client.getIssueDetails(key, ['summary', 'status'], true);
    expect(details.changelog?.histories[0]?.items.map((i) => i.field)).toEqual(['SQL', '升级类型']);
    await client.comment(key, 'policy: no DROP TABLE');
    expect(sim.issue(key)?.comments).toEqual(['policy: no DROP TABLE']);
    expect((await client.listTransitions(key)).map((t) => t.to.name)).toEqual([
      'SQL执行中',
      'CONFIG执行中',
      'SQL待执行',
    ]);
    const found = await client.search(`project = AC AND summary ~ "happy path"`);
    expect(found.issues.map((i) => i.key)).toContain(key);
    expect(await client.myself()).toMatchObject({ name: 'cdflow' });
  });

  it('works with preemptive basic auth', async () => {
    const basic = new JiraClient({
      baseUrl: sim.url,
      auth: { kind: 'basic', user: 'cdflow', password: sim.credentials.password },
    });
    expect(await basic.myself()).toMatchObject({ name: 'cdflow' });
  });
});

describe('JiraClient.moveToStatus', () => {
  it('walks several steps along the workflow, skipping stages with the 无…/已升级 transitions', async () => {
    const { key } = await client.createIssue(fieldsFor('multi-step'));
    const moved = await client.moveToStatus(key, 'CODE执行中');
    expect(moved).toEqual({
      from: 'SQL待执行',
      to: 'CODE执行中',
      transitions: ['无SQL升级/已升级', '无配置升级/已升级'],
    });
    expect(sim.issue(key)?.status).toBe('CODE执行中');
  });

  it('prefers the named transition on the last step, and is a no-op when already there', async () => {
    const { key } = await client.createIssue(fieldsFor('prefer'));
    await client.moveToStatus(key, 'SQL执行中');
    const moved = await client.moveToStatus(key, 'UAT升级完成', '代码升级成功');
    expect(moved.transitions).toEqual(['SQL升级成功', '无配置升级/已升级', '代码升级成功']);
    const before = sim.counters.get(transitionRoute);
    expect(await client.moveToStatus(key, 'UAT升级完成')).toEqual({
      from: 'UAT升级完成',
      to: 'UAT升级完成',
      transitions: [],
    });
    expect(sim.counters.get(transitionRoute)).toBe(before);
  });

  it("takes the issue back by SQL未执行完成 when the workflow has it, by the export's walk when it does not", async () => {
    const { key } = await client.createIssue(fieldsFor('walk back'));
    await client.moveToStatus(key, 'CONFIG执行中', '提交SQL');
    await client.moveToStatus(key, 'CONFIG执行中');
    expect(sim.issue(key)?.status).toBe('CONFIG执行中');
    const back = await client.moveToStatus(key, 'SQL执行中', 'SQL未执行完成', {
      expectedFrom: 'CONFIG执行中',
    });
    expect(back.transitions).toEqual(['SQL未执行完成']);

    const exportOnly = await JiraSimulator.start({ sqlUnfinishedTransition: false });
    try {
      const other = jiraClientOf(exportOnly, { timeoutMs: 2000 });
      const created = await other.createIssue(fieldsFor('walk back, export only'));
      await other.moveToStatus(created.key, 'CONFIG执行中', 'SQL升级成功');
      const walked = await other.moveToStatus(created.key, 'SQL执行中', 'SQL未执行完成', {
        expectedFrom: 'CONFIG执行中',
      });
      expect(walked.transitions).toEqual(['配置升级失败', '重新提交UAT迭代升级', '提交SQL']);
      expect(exportOnly.issue(created.key)?.status).toBe('SQL执行中');
    } finally {
      await exportOnly.close();
    }
  });

  it('re-reads after a 409 and still arrives', async () => {
    const { key } = await client.createIssue(fieldsFor('conflict'));
    sim.faults.inject({
      route: transitionRoute,
      status: 409,
      body: { errorMessages: ['conflict'], errors: {} },
      times: 1,
    });
    const moved = await client.moveToStatus(key, 'CONFIG执行中');
    expect(moved.to).toBe('CONFIG执行中');
    expect(sim.issue(key)?.status).toBe('CONFIG执行中');
  });

  it('re-reads after Jira refuses a transition because someone moved the issue meanwhile', async () => {
    const { key, moved } = await moveWhileADbaMovesIt(sim, client, 'raced');
    expect(moved.from).toBe('SQL待执行');
    expect(moved.to).toBe('CODE执行中');
    expect(sim.issue(key)?.status).toBe('CODE执行中');
  });

  it('finds the stale transition by re-reading the issue with a Chinese-locale Jira too (no error text read)', async () => {
    const zh = await JiraSimulator.start({ locale: 'zh_CN' });
    try {
      const other = jiraClientOf(zh, { timeoutMs: 2000 });
      const { key, moved } = await moveWhileADbaMovesIt(zh, other, 'raced, zh_CN');
      expect(moved.to).toBe('CODE执行中');
      expect(zh.issue(key)?.status).toBe('CODE执行中');
      // Jira refused the stale transition in Chinese; cdflow judged it by the issue's status alone.
      const refused = zh.requestLog().filter((r) => r.route === transitionRoute && r.status === 400);
      expect(refused).toHaveLength(1);
    } finally {
      await zh.close();
    }
  });

  it('does not retry a refused transition when the issue did not move (whatever the error text)', async () => {
    const { key } = await client.createIssue(fieldsFor('refused'));
    const refusal = { errorMessages: ['字段 SQL 不能为空'], errors: {} };
    sim.faults.inject({ route: transitionRoute, status: 400, body: refusal, times: 1 });
    const before = sim.counters.get(transitionRoute);
    const err = await client.moveToStatus(key, 'CONFIG执行中', '无SQL升级/已升级').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALIDATION' });
    expect(sim.counters.get(transitionRoute)).toBe(before + 1);
    expect(sim.issue(key)?.status).toBe('SQL待执行');
  });

  it('with expectedFrom, stops instead of walking over a move it did not see', async () => {
    const { key } = await client.createIssue(fieldsFor('expected'));
    await sim.actAs('dba').transition(key, '提交SQL');
    const err = await client
      .moveToStatus(key, 'CONFIG执行中', '无SQL升级/已升级', { expectedFrom: 'SQL待执行' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFLICT', retryable: true });
    expect(sim.issue(key)?.status).toBe('SQL执行中');
  });

  it('fails with a JiraWorkflowError naming the offered transitions when the target is not reachable', async () => {
    const { key } = await client.createIssue(fieldsFor('unreachable'));
    await client.moveToStatus(key, '升级流程结束');
    const err = await client.moveToStatus(key, 'SQL待执行').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JiraWorkflowError);
    expect(err).toMatchObject({ failure: 'NO_PATH', code: 'NO_TARGET', retryable: false });
    const unknown = await client.moveToStatus(key, 'Nowhere').catch((e: unknown) => e);
    expect((unknown as Error).message).toContain('offered: none');
  });
});

describe('JiraClient against upstream faults', () => {
  it('401 is surfaced once, never retried, with no secret in the error', async () => {
    const bad = new JiraClient({
      baseUrl: sim.url,
      auth: { kind: 'bearer', token: 'wrong-token-value' },
      retries: 3,
    });
    const before = sim.counters.get('GET /rest/api/2/myself');
    const err = (await bad.myself().catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ code: 'UNAUTHORIZED', status: 401, retryable: false });
    expect(sim.counters.get('GET /rest/api/2/myself')).toBe(before + 1);
    expect(JSON.stringify(err.toJSON()) + err.message).not.toContain('wrong-token-value');
  });

  it('403 becomes FORBIDDEN with the body', async () => {
    const viewer = await JiraSimulator.start({
      users: [{ name: 'auditor', password: 'auditor-pw', readOnly: true }],
    });
    try {
      const owner = jiraClientOf(viewer);
      const auditor = new JiraClient({
        baseUrl: viewer.url,
        auth: { kind: 'basic', user: 'auditor', password: 'auditor-pw' },
      });
      const { key } = await owner.createIssue(fieldsFor('forbidden'));
      const err = await auditor.updateFields(key, { summary: 'nope' }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'FORBIDDEN',
        status: 403,
        body: { errorMessages: ['You do not have permission to edit issues in this project.'] },
      });
    } finally {
      await viewer.close();
    }
  });

  it("400 carries Jira's own error body and message, and is not retried", async () => {
    const before = sim.counters.get(createRoute);
    const err = (await client
      .createIssue({ ...fieldsFor('bad select'), customfield_10101: '紧急需求' })
      .catch((e: unknown) => e)) as UpstreamError;
    expect(err).toMatchObject({
      code: 'VALIDATION',
      status: 400,
      body: { errorMessages: [], errors: { customfield_10101: 'data was not an object' } },
    });
    expect(err.message).toContain('data was not an object');
    expect(sim.counters.get(createRoute)).toBe(before + 1);
  });

  it('429 is retried after waiting at least Retry-After', async () => {
    const { key } = await client.createIssue(fieldsFor('rate limited'));
    const route = 'GET /rest/api/2/issue/:key';
    sim.faults.inject({
      route,
      status: 429,
      retryAfterSeconds: 1,
      body: { errorMessages: ['Rate limit exceeded.'], errors: {} },
      times: 1,
    });
    const from = sim.requestLog().length;
    expect((await client.getIssue(key)).status).toBe('SQL待执行');
    const calls = sim
      .requestLog()
      .slice(from)
      .filter((r) => r.route === route);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.receivedAt - calls[0]!.receivedAt).toBeGreaterThanOrEqual(1000);
  });

  it('429 that persists ends as RATE_LIMITED, retryable', async () => {
    const few = jiraClientOf(sim, { retries: 1 });
    sim.faults.inject({
      route: 'GET /rest/api/2/myself',
      status: 429,
      retryAfterSeconds: 0,
      body: { errorMessages: [], errors: {} },
    });
    await expect(few.myself()).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429, retryable: true });
  });

  it('a call slower than the timeout fails as TIMEOUT', async () => {
    const quick = jiraClientOf(sim, { timeoutMs: 100, retries: 0 });
    sim.faults.inject({ route: 'GET /rest/api/2/myself', latencyMs: 400 });
    await expect(quick.myself()).rejects.toMatchObject({ code: 'TIMEOUT', retryable: true });
  });

  it('a create whose answer is lost is not repeated: the retry finds the issue by summary', async () => {
    const summary = 'lost answer 20240202_01';
    sim.loseAnswers(createRoute, 1);
    const before = sim.counters.get(createRoute);
    const result = await client.ensureIssue(fieldsFor(summary));
    expect(result.created).toBe(false);
    expect(sim.counters.get(createRoute)).toBe(before + 1);
    expect(
      sim
        .issues()
        .filter((i) => i.summary === summary)
        .map((i) => i.key),
    ).toEqual([result.key]);
  });

  it('a create refused with 5xx is retried by ensureIssue without duplicating', async () => {
    const summary = 'flaky create 20240202_02';
    sim.faults.inject({ route: createRoute, status: 503, times: 1 });
    const result = await client.ensureIssue(fieldsFor(summary));
    expect(result.created).toBe(true);
    expect(sim.issues().filter((i) => i.summary === summary)).toHaveLength(1);
  });

  it('a body that is not JSON is a BAD_RESPONSE', async () => {
    sim.faults.inject({ route: 'GET /rest/api/2/myself', malformed: true, times: 1 });
    await expect(client.myself()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });
});
