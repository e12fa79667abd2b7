import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JiraSimulator, type JiraSimulatorOptions, jiraSandboxPasswords } from '../src/jira/index.js';
import { simulatorsClosedAfterEach } from './support/simulators-closed-after-each.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

let receiver: WebhookReceiver;
let receiverUrl: string;
const received: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver('/hook', (body) => {
    received.push(JSON.parse(body) as Record<string, unknown>);
  });
  receiverUrl = receiver.url;
});
afterAll(async () => {
  await receiver.close();
});

// Closing waits for the deliveries in flight; every simulator starts its keys at AC-1 again.
const simulators = simulatorsClosedAfterEach<JiraSimulator>(() => {
  received.length = 0;
});

async function start(options: JiraSimulatorOptions = {}) {
  const sim = simulators.enlist(await JiraSimulator.start(options));
  const jira = async (
    method: string,
    path: string,
    body?: unknown,
    auth = `Bearer ${sim.credentials.token}`,
  ) => {
    const res = await fetch(`${sim.url}/rest/api/2${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };
  const create = async (summary: string, issuetype = '运营升级', project = 'AC') => {
    const res = await jira('POST', '/issue', {
      fields: { project: { key: project }, issuetype: { name: issuetype }, summary },
    });
    expect(res.status).toBe(201);
    return (res.body as { key: string }).key;
  };
  const open = async (key: string, auth?: string) =>
    (
      (await jira('GET', `/issue/${key}/transitions`, undefined, auth)).body!.transitions as Array<{
        id: string;
        name: string;
        to: { name: string };
      }>
    ).map((t) => [t.id, t.name, t.to.name]);
  const status = async (key: string) =>
    (await jira('GET', `/issue/${key}?fields=status,issuetype`)).body!.fields as {
      status: { name: string };
      issuetype: { name: string };
    };
  return { sim, jira, create, open, status };
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the production workflow cdflow-prod (issue type 运营升级)', () => {
  it('walks approvals in order, each by its group, then the stages to 运营升级完成 and 升级流程结束', async () => {
    const { sim, create, open, status, jira } = await start();
    for (const project of ['AC', 'QC']) {
      const key = await create(`【A18】【运营升级】${project}`, '运营升级', project);
      expect(await status(key)).toMatchObject({
        status: { name: '待DBA审批' },
        issuetype: { name: '运营升级' },
      });
    }
    const key = await create('【A18】【运营升级】20240101_01');
    // A person in none of the approval groups: Jira hides the approvals from them.
    const tester = basic('tester1', jiraSandboxPasswords.tester1);
    expect(await open(key, tester)).toEqual([]);
    const refused = await jira('POST', `/issue/${key}/transitions`, { transition: { id: '311' } }, tester);
    expect(refused).toEqual({
      status: 400,
      body: {
        errorMessages: [
          `It seems that you have tried to perform a workflow operation (DBA审批通过) that is not valid for the current state of this issue (${key}). The likely cause is that somebody has changed the issue recently, please look at the issue history for details.`,
        ],
        errors: {},
      },
    });
    expect(await open(key, basic('dba1', jiraSandboxPasswords.dba1))).toEqual([
      ['311', 'DBA审批通过', '待SA审批'],
      ['341', '审批驳回', '审批驳回'],
    ]);
    await expect(sim.actAs('sa1').transition(key, 'DBA审批通过')).rejects.toMatchObject({ status: 400 });
    // cdflow's service user (group cdflow-service) mirrors approvals given through its operator API.
    expect((await open(key)).map(([id]) => id)).toEqual(['311', '341']);
    await sim.actAs('dba1').transition(key, 'DBA审批通过');
    await sim.actAs('sa1').transition(key, 'SA审批通过');
    await sim.actAs('lead1').transition(key, '组长审批通过');
    expect((await status(key)).status.name).toBe('SQL待执行');
    expect(await open(key)).toEqual([
      ['351', '提交SQL', 'SQL执行中'],
      ['361', '无SQL升级/已升级', 'CONFIG执行中'],
      ['371', '触发提交SQL', 'SQL待执行'],
      // Back to an approval step (an approval cdflow refused, a new iteration).
      ['501', '退回DBA审批', '待DBA审批'],
      ['511', '退回SA审批', '待SA审批'],
      ['521', '退回组长审批', '待组长审批'],
    ]);
    const walk: Array<[string, string]> = [
      ['提交SQL', 'SQL执行中'],
      ['SQL升级失败', 'SQL待执行'],
      ['提交SQL', 'SQL执行中'],
      ['SQL升级成功', 'CONFIG执行中'],
      ['配置升级失败', '开发/运维修改'],
      ['重新提交配置', 'CONFIG执行中'],
      ['配置升级成功', 'CODE执行中'],
      ['代码升级失败', '开发/运维修改'],
      ['重新提交代码', 'CODE执行中'],
      ['代码升级成功', '运营升级完成'],
      ['升级结束', '升级流程结束'],
    ];
    for (const [name, target] of walk) {
      await sim.actAs('ops1').transition(key, name);
      expect((await status(key)).status.name).toBe(target);
    }
    expect(await open(key)).toEqual([]);
    expect(sim.issue(key)).toMatchObject({ issueType: '运营升级', status: '升级流程结束' });
  });

  it('offers 重新提交运营迭代升级 from 开发/运维修改, 无代码升级/已升级 to 运营升级完成, and rejection from each approval', async () => {
    const { sim, create, status } = await start();
    const key = await create('iteration');
    for (const [who, name] of [
      ['dba1', 'DBA审批通过'],
      ['sa1', 'SA审批通过'],
      ['lead1', '组长审批通过'],
      ['ops1', '无SQL升级/已升级'],
      ['ops1', '配置升级失败'],
      ['ops1', '重新提交运营迭代升级'],
      ['ops1', '无SQL升级/已升级'],
      ['ops1', '无配置升级/已升级'],
      ['ops1', '无代码升级/已升级'],
    ] as const) {
      await sim.actAs(who).transition(key, name);
    }
    expect((await status(key)).status.name).toBe('运营升级完成');
    // The UAT-only ways out do not exist here.
    await expect(sim.actAs('ops1').transition(key, '升级运营环境')).rejects.toMatchObject({ status: 400 });
    for (const [approvers, who] of [
      [[], 'dba1'],
      [['dba1'], 'sa1'],
      [['dba1', 'sa1'], 'lead1'],
    ] as const) {
      const rejected = await create(`rejected by ${who}`);
      const names = ['DBA审批通过', 'SA审批通过'];
      for (const [i, approver] of approvers.entries())
        await sim.actAs(approver).transition(rejected, names[i]!);
      await sim.actAs(who).transition(rejected, '审批驳回');
      expect((await status(rejected)).status.name).toBe('审批驳回');
      expect(
        sim
          .issue(rejected)!
          .history.at(-1)!
          .items.map((i) => i.field),
      ).toEqual(['resolution', 'status']);
    }
  });

  it('keeps the UAT workflow and its ids for 升级, with the same status objects where they are shared', async () => {
    const { sim, create, open, status } = await start();
    const uat = await create('uat issue', '升级');
    expect((await status(uat)).status.name).toBe('SQL待执行');
    expect((await open(uat)).map(([id]) => id)).toEqual(['11', '91', '291']);
    const shared = sim.prodWorkflow.statuses.find((s) => s.name === 'SQL待执行');
    expect(shared?.id).toBe(sim.workflow.status('sqlPending').id);
    // The export's 19, and the SQL未执行完成 cdflow asks sites to add.
    expect(sim.workflow.transitions).toHaveLength(20);
    expect(sim.workflow.transitions.map((t) => t.name)).toContain('SQL未执行完成');
  });

  it('lets anyone approve when the approval conditions are off, and renames the issue type and statuses', async () => {
    const { sim, create, status } = await start({
      prodApprovalGroups: null,
      prodIssueType: 'Production upgrade',
    });
    const key = await create('renamed', 'Production upgrade');
    await sim.actAs('cdflow').transition(key, 'DBA审批通过');
    expect((await status(key)).status.name).toBe('待SA审批');
  });

  it('finds production issues with JQL by issue type and the new statuses', async () => {
    const { create, jira } = await start();
    const prod = await create('jql prod');
    await create('jql uat', '升级');
    const res = await jira('POST', '/search', {
      jql: 'issuetype = 运营升级 AND status = 待DBA审批 AND summary ~ "jql"',
    });
    expect((res.body!.issues as Array<{ key: string }>).map((i) => i.key)).toEqual([prod]);
  });
});

describe('webhooks that carry the person, and post-function webhooks', () => {
  it('sends the acting person as `user` for moves and comments made with actAs', async () => {
    const { sim, create } = await start();
    sim.registerWebhook({ url: receiverUrl, jql: 'issuetype = 升级' });
    const key = await create('acting person', '升级');
    await sim.actAs('dba1').transition(key, '提交SQL');
    await sim.actAs('tester1').comment(key, 'looks good');
    await sim.flushWebhooks();
    const mine = received.filter((p) => (p.issue as { key: string }).key === key);
    expect(mine.map((p) => [p.issue_event_type_name, (p.user as { name: string }).name])).toEqual([
      ['issue_created', 'cdflow'],
      ['issue_generic', 'dba1'],
      ['issue_commented', 'tester1'],
    ]);
  });

  it('delivers a post-function webhook with `transition` and no changelog, only for the transitions named', async () => {
    const { sim, create } = await start();
    sim.registerWebhook({ url: receiverUrl, events: false, postFunction: ['DBA审批通过', 'SA审批通过'] });
    const key = await create('post function');
    await sim.actAs('dba1').transition(key, 'DBA审批通过');
    await sim.actAs('sa1').transition(key, 'SA审批通过');
    await sim.actAs('lead1').transition(key, '组长审批通过');
    await sim.flushWebhooks();
    const mine = received.filter((p) => (p.issue as { key: string }).key === key);
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({
      webhookEvent: 'jira:issue_updated',
      user: { name: 'dba1' },
      issue: { key, fields: { status: { name: '待SA审批' } } },
      transition: {
        workflowId: sim.prodWorkflow.id,
        workflowName: 'cdflow-prod',
        transitionId: 311,
        transitionName: 'DBA审批通过',
        from_status: '待DBA审批',
        to_status: '待SA审批',
      },
    });
    expect(mine[0]).not.toHaveProperty('changelog');
    expect(mine[1]!.transition).toMatchObject({ transitionName: 'SA审批通过', from_status: '待SA审批' });
    expect(
      sim
        .webhookDeliveries()
        .filter((d) => d.issueKey === key)
        .map((d) => d.trigger),
    ).toEqual(['postFunction', 'postFunction']);
  });

  it('sends both shapes to a webhook subscribed to events and fired by every post function', async () => {
    const { sim, create } = await start();
    sim.registerWebhook({ url: receiverUrl, postFunction: true });
    const key = await create('both', '升级');
    await sim.actAs('dba').transition(key, '提交SQL');
    await sim.flushWebhooks();
    const mine = received.filter((p) => (p.issue as { key: string }).key === key);
    expect(mine.map((p) => ['changelog' in p, 'transition' in p])).toEqual([
      [false, false],
      [true, false],
      [false, true],
    ]);
    expect(mine[2]!.transition).toMatchObject({
      workflowName: 'cdflow',
      transitionId: 11,
      to_status: 'SQL执行中',
    });
  });
});
