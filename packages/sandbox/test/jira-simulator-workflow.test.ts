import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JiraSimulator } from '../src/jira/index.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

let sim: JiraSimulator;
let receiver: WebhookReceiver;
let receiverUrl: string;
const received: Array<{ body: string; signature: string | undefined }> = [];

async function jira(method: string, path: string, body?: unknown, auth?: string) {
  const res = await fetch(`${sim.url}/rest/api/2${path}`, {
    method,
    headers: {
      authorization: auth ?? `Bearer ${sim.credentials.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
    headers: res.headers,
  };
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function createIssue(summary: string, extra: Record<string, unknown> = {}) {
  const res = await jira('POST', '/issue', {
    fields: { project: { key: 'AC' }, issuetype: { name: '升级' }, summary, ...extra },
  });
  expect(res.status).toBe(201);
  return res.body as { key: string; id: string };
}

async function transitionByName(key: string, name: string) {
  const list = await jira('GET', `/issue/${key}/transitions`);
  const t = (list.body!.transitions as Array<{ id: string; name: string }>).find((x) => x.name === name);
  expect(t, `transition ${name} should be open`).toBeDefined();
  const res = await jira('POST', `/issue/${key}/transitions`, { transition: { id: t!.id } });
  expect(res.status).toBe(204);
}

const statusOf = async (key: string) =>
  ((await jira('GET', `/issue/${key}?fields=status`)).body!.fields as { status: { name: string } }).status
    .name;

beforeAll(async () => {
  receiver = await startWebhookReceiver('/cicdflow/jira/', (body, headers) => {
    received.push({ body, signature: headers['x-hub-signature'] as string | undefined });
  });
  receiverUrl = receiver.url;
  sim = await JiraSimulator.start();
});

afterAll(async () => {
  await sim.close();
  await receiver.close();
});

describe('the cdflow workflow in the Jira simulator', () => {
  it('drives one issue through every transition of the workflow, each with the id of the export', async () => {
    const { key } = await createIssue('walk every transition'); // 开始升级流程 (id 1)
    expect(await statusOf(key)).toBe('SQL待执行');
    const walk: Array<[string, string, string]> = [
      ['触发提交SQL', '291', 'SQL待执行'],
      ['提交SQL', '11', 'SQL执行中'],
      ['SQL升级失败', '131', 'SQL待执行'],
      ['提交SQL', '11', 'SQL执行中'],
      ['SQL升级成功', '121', 'CONFIG执行中'],
      ['配置升级失败', '191', '开发/运维修改'],
      ['重新提交配置', '221', 'CONFIG执行中'],
      ['配置升级成功', '271', 'CODE执行中'],
      ['代码升级失败', '201', '开发/运维修改'],
      ['重新提交代码', '231', 'CODE执行中'],
      ['代码升级成功', '281', 'UAT升级完成'],
      ['UAT手动迭代升级', '261', '开发/运维修改'],
      ['重新提交UAT迭代升级', '251', 'SQL待执行'],
      ['无SQL升级/已升级', '91', 'CONFIG执行中'],
      ['无配置升级/已升级', '141', 'CODE执行中'],
      ['无代码升级/已升级', '151', 'UAT升级完成'],
      ['UAT自动迭代升级', '301', 'SQL待执行'],
    ];
    const seen = new Set<string>(['1']);
    for (const [name, id, target] of walk) {
      const list = await jira('GET', `/issue/${key}/transitions`);
      const t = (list.body!.transitions as Array<{ id: string; name: string; to: { name: string } }>).find(
        (x) => x.name === name,
      );
      expect(t).toMatchObject({ id, name, to: { name: target } });
      expect((await jira('POST', `/issue/${key}/transitions`, { transition: { id } })).status).toBe(204);
      expect(await statusOf(key)).toBe(target);
      seen.add(id);
    }
    // The two ways out of UAT升级完成 that end the walk, each on its own issue.
    const prod = await createIssue('walk to production');
    for (const n of ['无SQL升级/已升级', '无配置升级/已升级', '无代码升级/已升级', '升级运营环境'])
      await transitionByName(prod.key, n);
    expect(await statusOf(prod.key)).toBe('运营环境升级');
    const end = await createIssue('walk to the end');
    for (const n of ['无SQL升级/已升级', '无配置升级/已升级', '无代码升级/已升级', '升级结束'])
      await transitionByName(end.key, n);
    expect(await statusOf(end.key)).toBe('升级流程结束');
    seen.add('181').add('241');
    expect(seen.size).toBe(19);
    // Final statuses offer nothing.
    expect((await jira('GET', `/issue/${end.key}/transitions`)).body!.transitions).toEqual([]);
  });

  it('lists only the transitions open from the current status, in the export order', async () => {
    const { key } = await createIssue('transitions from SQL待执行');
    const list = await jira('GET', `/issue/${key}/transitions`);
    expect(
      (list.body!.transitions as Array<{ id: string; name: string }>).map((t) => [t.id, t.name]),
    ).toEqual([
      ['11', '提交SQL'],
      ['91', '无SQL升级/已升级'],
      ['291', '触发提交SQL'],
    ]);
  });

  it('refuses a transition that is not open from the current status the way Jira does', async () => {
    const { key } = await createIssue('illegal transition');
    const res = await jira('POST', `/issue/${key}/transitions`, { transition: { id: '281' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errorMessages: [
        `It seems that you have tried to perform a workflow operation (代码升级成功) that is not valid for the current state of this issue (${key}). The likely cause is that somebody has changed the issue recently, please look at the issue history for details.`,
      ],
      errors: {},
    });
    expect(await statusOf(key)).toBe('SQL待执行');
    expect((await jira('POST', `/issue/${key}/transitions`, { transition: {} })).body).toEqual({
      errorMessages: ["Missing 'transition' identifier"],
      errors: {},
    });
    expect((await jira('POST', `/issue/${key}/transitions`, { transition: { id: 'submit' } })).body).toEqual({
      errorMessages: ["'transition' identifier must be an integer"],
      errors: {},
    });
    await expect(sim.actAs('ops').transition(key, '配置升级成功')).rejects.toMatchObject({ status: 400 });
  });

  it('refuses fields on a transition that has no screen', async () => {
    const { key } = await createIssue('transition with fields');
    const res = await jira('POST', `/issue/${key}/transitions`, {
      transition: { id: '11' },
      fields: { customfield_10201: 'x' },
    });
    expect(res.status).toBe(400);
    expect((res.body!.errors as Record<string, string>).customfield_10201).toContain('cannot be set');
  });
});

describe('issues, fields and comments in the Jira simulator', () => {
  it('validates create like Jira: required fields, unknown fields, select options as objects', async () => {
    const res = await jira('POST', '/issue', {
      fields: {
        project: { key: 'ZZ' },
        issuetype: { name: 'Bug' },
        customfield_10101: '紧急需求',
        customfield_10200: ['not', 'a', 'string'],
        customfield_99999: 'x',
      },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errorMessages: [],
      errors: {
        project: 'valid project is required',
        issuetype: 'valid issue type is required',
        customfield_10101: 'data was not an object',
        customfield_10200: 'Operation value must be a string',
        customfield_99999:
          "Field 'customfield_99999' cannot be set. It is not on the appropriate screen, or unknown.",
        summary: 'You must specify a summary of the issue.',
      },
    });
    const badOption = await jira('POST', '/issue', {
      fields: {
        project: { key: 'QC' },
        issuetype: { name: '升级' },
        summary: 's',
        customfield_10101: { value: '随便' },
      },
    });
    expect(badOption.body!.errors).toEqual({ customfield_10101: "Option value '随便' is not valid" });
    expect(sim.issues().filter((i) => i.summary === 's')).toHaveLength(0);
  });

  it('creates, edits, reads with changelog, and comments', async () => {
    const { key } = await createIssue('【A18】【升级】20230101_01', {
      customfield_10101: { value: '日常排版需求' },
      customfield_10200: '【A18】数据导出',
    });
    expect(key).toMatch(/^AC-\d+$/);
    expect(
      (await jira('PUT', `/issue/${key}`, { fields: { customfield_10201: 'a18-0001 05.act_ddl.sql' } }))
        .status,
    ).toBe(204);
    await transitionByName(key, '提交SQL');
    expect((await jira('POST', `/issue/${key}/comment`, { body: 'orders submitted' })).status).toBe(201);
    const read = await jira('GET', `/issue/${key}?fields=summary,status,customfield_10101&expand=changelog`);
    expect(read.body).toMatchObject({
      key,
      fields: {
        summary: '【A18】【升级】20230101_01',
        status: { name: 'SQL执行中', id: '10009' },
        customfield_10101: { value: '日常排版需求' },
      },
    });
    expect(Object.keys(read.body!.fields as object).sort()).toEqual([
      'customfield_10101',
      'status',
      'summary',
    ]);
    const histories = (read.body!.changelog as { histories: Array<{ items: Array<{ field: string }> }> })
      .histories;
    expect(histories.map((h) => h.items.map((i) => i.field))).toEqual([['SQL'], ['status']]);
    expect(sim.issue(key)?.comments).toEqual(['orders submitted']);
    expect((await jira('POST', `/issue/${key}/comment`, { body: '  ' })).body).toEqual({
      errorMessages: [],
      errors: { comment: 'Comment body can not be empty!' },
    });
    expect((await jira('GET', '/issue/AC-99999')).body).toEqual({
      errorMessages: ['Issue Does Not Exist'],
      errors: {},
    });
  });

  it('answers 401 without valid credentials, never challenging, and accepts preemptive basic auth', async () => {
    const none = await fetch(`${sim.url}/rest/api/2/myself`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBeNull();
    const wrong = await jira('GET', '/myself', undefined, 'Bearer not-the-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('x-seraph-loginreason')).toBe('AUTHENTICATED_FAILED');
    const ok = await jira('GET', '/myself', undefined, basic('cdflow', sim.credentials.password));
    expect(ok.body).toMatchObject({ name: 'cdflow' });
    expect((await jira('GET', '/myself', undefined, basic('cdflow', 'wrong'))).status).toBe(401);
  });

  it('refuses a browse-only user: 403 on edit, 400 on create, no transitions offered', async () => {
    const viewer = await JiraSimulator.start({
      users: [{ name: 'auditor', password: 'auditor-pw', readOnly: true }],
    });
    try {
      const asCdflow = `Bearer ${viewer.credentials.token}`;
      const asAuditor = basic('auditor', 'auditor-pw');
      const call = async (method: string, path: string, body: unknown, auth: string) => {
        const res = await fetch(`${viewer.url}/rest/api/2${path}`, {
          method,
          headers: { authorization: auth, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const created = await call(
        'POST',
        '/issue',
        { fields: { project: { key: 'AC' }, issuetype: { name: '升级' }, summary: 'x' } },
        asCdflow,
      );
      const key = created.body.key as string;
      const edit = await call('PUT', `/issue/${key}`, { fields: { summary: 'y' } }, asAuditor);
      expect(edit).toEqual({
        status: 403,
        body: { errorMessages: ['You do not have permission to edit issues in this project.'], errors: {} },
      });
      const create = await call(
        'POST',
        '/issue',
        { fields: { project: { key: 'AC' }, issuetype: { name: '升级' }, summary: 'z' } },
        asAuditor,
      );
      expect(create.status).toBe(400);
      expect(create.body.errors).toEqual({
        project: 'You do not have permission to create issues in this project.',
      });
      expect((await call('GET', `/issue/${key}/transitions`, undefined, asAuditor)).body.transitions).toEqual(
        [],
      );
    } finally {
      await viewer.close();
    }
  });
});

describe('JQL search in the Jira simulator', () => {
  it('finds by project, text in summary, status and issue type; newest first', async () => {
    const a = await createIssue('jql release 20240101_01');
    const b = await createIssue('jql release 20240101_02');
    await transitionByName(b.key, '提交SQL');
    const res = await jira('POST', '/search', {
      jql: 'project = AC AND issuetype in (升级) AND summary ~ "jql release" AND status in (SQL待执行, SQL执行中, "开发/运维修改")',
      startAt: 0,
      maxResults: 10,
      fields: ['summary', 'status'],
    });
    expect(res.body).toMatchObject({ startAt: 0, total: 2 });
    expect((res.body!.issues as Array<{ key: string }>).map((i) => i.key)).toEqual([b.key, a.key]);
    const onlyPending = await jira(
      'GET',
      `/search?jql=${encodeURIComponent('summary ~ "jql release" AND status = SQL待执行')}`,
    );
    expect((onlyPending.body!.issues as Array<{ key: string }>).map((i) => i.key)).toEqual([a.key]);
  });

  it('refuses what Jira refuses: `=` on summary, Lucene characters, unknown values and fields', async () => {
    const refused = async (jql: string) => {
      const res = await jira('POST', '/search', { jql });
      expect(res.status).toBe(400);
      return (res.body!.errorMessages as string[])[0];
    };
    expect(await refused('summary = "x"')).toBe("The operator '=' is not supported by the summary field.");
    expect(await refused('summary ~ "[A18] x"')).toContain(
      'probably your use of wildcard characters is not correct',
    );
    expect(await refused('status = Nope')).toBe("The value 'Nope' does not exist for the field 'status'.");
    expect(await refused('project = ZZ')).toBe("The value 'ZZ' does not exist for the field 'project'.");
    expect(await refused('colour = red')).toBe(
      "Field 'colour' does not exist or you do not have permission to view it.",
    );
    expect(await refused('status = 开发/运维修改')).toContain(
      "The character '/' is a reserved JQL character",
    );
  });
});

describe('webhooks of the Jira simulator', () => {
  it('sends signed Server-shaped payloads after the answer: no changelog on create, the status item on a transition', async () => {
    sim.registerWebhook({ url: receiverUrl, secret: 'hook-secret', jql: 'project = QC' });
    const created = await jira('POST', '/issue', {
      fields: { project: { key: 'QC' }, issuetype: { name: '升级' }, summary: 'webhook issue' },
    });
    const key = (created.body as { key: string }).key;
    await jira('POST', '/issue/AC-1/comment', { body: 'not in QC: no delivery' });
    await sim.actAs('dba').transition(key, '无SQL升级/已升级');
    for (const n of ['无配置升级/已升级', '无代码升级/已升级']) await transitionByName(key, n);
    await sim.flushWebhooks();

    const mine = received
      .map((r) => ({ ...r, payload: JSON.parse(r.body) }))
      .filter((r) => r.payload.issue.key === key);
    expect(mine).toHaveLength(4);
    for (const r of mine) {
      expect(r.signature).toBe(`sha256=${createHmac('sha256', 'hook-secret').update(r.body).digest('hex')}`);
    }
    const [create, byDba, , toUat] = mine.map((r) => r.payload);
    expect(create).toMatchObject({
      webhookEvent: 'jira:issue_created',
      issue_event_type_name: 'issue_created',
      user: { name: 'cdflow' },
      issue: {
        key,
        fields: { status: { name: 'SQL待执行' }, project: { key: 'QC' }, summary: 'webhook issue' },
      },
    });
    expect(create).not.toHaveProperty('changelog');
    expect(byDba).toMatchObject({
      webhookEvent: 'jira:issue_updated',
      user: { name: 'dba' },
      issue: { fields: { status: { name: 'CONFIG执行中' } } },
      changelog: {
        items: [
          { field: 'status', fromString: 'SQL待执行', toString: 'CONFIG执行中', from: '1', to: '10008' },
        ],
      },
    });
    // Into a done status Jira also sets the resolution, and lists it before the status.
    expect(toUat.changelog.items.map((i: { field: string }) => i.field)).toEqual(['resolution', 'status']);
    expect(
      sim
        .webhookDeliveries()
        .filter((d) => d.issueKey === key)
        .every((d) => d.status === 204),
    ).toBe(true);
  });
});
