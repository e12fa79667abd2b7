import { describe, expect, it } from 'vitest';
import { JiraSimulator, type JiraSimulatorOptions } from '../src/jira/index.js';
import { simulatorsClosedAfterEach } from './support/simulators-closed-after-each.js';

const simulators = simulatorsClosedAfterEach<JiraSimulator>();

async function start(options: JiraSimulatorOptions = {}) {
  const sim = simulators.enlist(await JiraSimulator.start(options));
  const jira = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}/rest/api/2${path}`, {
      method,
      headers: {
        authorization: `Bearer ${sim.credentials.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };
  const create = (fields: Record<string, unknown>, issuetype = '升级') =>
    jira('POST', '/issue', { fields: { project: { key: 'AC' }, issuetype: { name: issuetype }, ...fields } });
  return { sim, jira, create };
}

describe('custom fields on create', () => {
  it('refuses an empty option value of 升级类型 with errors.customfield_10101, and accepts it omitted', async () => {
    const { sim, create } = await start();
    for (const issuetype of ['升级', '运营升级']) {
      const empty = await create(
        { summary: `empty option ${issuetype}`, customfield_10101: { value: '' } },
        issuetype,
      );
      expect(empty).toEqual({
        status: 400,
        body: { errorMessages: [], errors: { customfield_10101: "Option value '' is not valid" } },
      });
      const nullValue = await create(
        { summary: 'null option', customfield_10101: { value: null } },
        issuetype,
      );
      expect(nullValue.body!.errors).toEqual({
        customfield_10101: "Could not find valid 'id' or 'value' in the Parent Option object.",
      });
      const omitted = await create(
        {
          summary: `omitted option ${issuetype}`,
          customfield_10200: '【A18】功能',
          customfield_10201: 'a.sql',
        },
        issuetype,
      );
      expect(omitted.status).toBe(201);
    }
    expect(sim.issues().map((i) => i.summary)).toEqual(['omitted option 升级', 'omitted option 运营升级']);
  });
});

describe('a Jira answering in Chinese', () => {
  it('answers the stale-transition and other errors in zh_CN, with the same statuses and shapes', async () => {
    const { jira, create } = await start({ locale: 'zh_CN' });
    const key = ((await create({ summary: 'zh' })).body as { key: string }).key;
    const stale = await jira('POST', `/issue/${key}/transitions`, { transition: { id: '281' } });
    expect(stale.status).toBe(400);
    const [message] = stale.body!.errorMessages as string[];
    expect(message).toContain(key);
    expect(message).toContain('代码升级成功');
    expect(message).not.toMatch(/not valid for the current state/);
    expect(message).toMatch(/工作流操作/);
    expect((await jira('GET', '/issue/AC-999')).body).toEqual({ errorMessages: ['问题不存在'], errors: {} });
    expect((await create({})).body!.errors).toEqual({ summary: '您必须指定问题的概要。' });
    const unauthenticated = await fetch(`${(await start({ locale: 'zh_CN' })).sim.url}/rest/api/2/myself`);
    expect(((await unauthenticated.json()) as { errorMessages: string[] }).errorMessages[0]).toMatch(
      /身份验证/,
    );
  });
});

describe('Jira state across a restart', () => {
  it('continues from a snapshot: keys continue per project, old issues keep fields, comments and history and still move', async () => {
    const first = await start();
    const a = (await first.create({ summary: 'old uat', customfield_10101: { value: '紧急需求' } })).body as {
      key: string;
      id: string;
    };
    const prod = (await first.create({ summary: 'old prod' }, '运营升级')).body as { key: string };
    await first.sim.actAs('dba').transition(a.key, '提交SQL');
    await first.sim.actAs('dba1').transition(prod.key, 'DBA审批通过');
    await first.sim.actAs('newcomer').comment(a.key, 'from a person added at run time');
    await first.jira('POST', '/issue', {
      fields: { project: { key: 'QC' }, issuetype: { name: '升级' }, summary: 'qc' },
    });
    const snapshot = JSON.parse(JSON.stringify(first.sim.snapshotState())) as unknown;
    expect(JSON.stringify(snapshot)).not.toContain(first.sim.credentials.token);
    expect(JSON.stringify(snapshot)).not.toContain(first.sim.credentials.password);
    await first.sim.close();
    simulators.release(first.sim);

    const second = await start({ state: snapshot });
    expect(second.sim.issue(a.key)).toMatchObject({
      status: 'SQL执行中',
      fields: { customfield_10101: { value: '紧急需求' } },
      comments: ['from a person added at run time'],
    });
    expect(second.sim.issue(a.key)!.history.map((h) => h.author)).toEqual(['dba']);
    const next = (await second.create({ summary: 'new after restart' })).body as { key: string; id: string };
    expect(next.key).toBe('AC-3');
    expect(Number(next.id)).toBeGreaterThan(Number(a.id));
    const qc = await second.jira('POST', '/issue', {
      fields: { project: { key: 'QC' }, issuetype: { name: '升级' }, summary: 'qc 2' },
    });
    expect((qc.body as { key: string }).key).toBe('QC-2');
    await second.sim.actAs('dba').transition(a.key, 'SQL升级成功');
    await second.sim.actAs('sa1').transition(prod.key, 'SA审批通过');
    expect(second.sim.issue(prod.key)!.status).toBe('待组长审批');
    const read = await second.jira('GET', `/issue/${a.key}?expand=changelog`);
    const histories = (read.body!.changelog as { histories: Array<{ id: string }> }).histories;
    expect(new Set(histories.map((h) => h.id)).size).toBe(histories.length);
    const found = await second.jira('POST', '/search', { jql: 'summary ~ "old uat"' });
    expect(found.body).toMatchObject({ total: 1 });
    expect(second.sim.people().find((p) => p.name === 'newcomer')).toBeDefined();
  });

  it('refuses a state it cannot continue from, naming the field', async () => {
    await expect(JiraSimulator.start({ state: { version: 2 } })).rejects.toThrow(
      'Jira simulator state: version',
    );
    const sim = await JiraSimulator.start();
    const saved = sim.snapshotState();
    await sim.close();
    const broken = { ...saved, issues: [{ ...saved.issues[0], key: 'AC-1' }] };
    await expect(JiraSimulator.start({ state: broken })).rejects.toThrow('issues[0]');
  });
});
