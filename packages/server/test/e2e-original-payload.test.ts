/**
 * A drop-in for the original at a real site: the release system's own payload (no sql_content, every
 * SQL item with has_deploy_uat, the bare token in Authorization) reaches uatComplete against the
 * simulators, the SQL text read from SVN (or GitLab) — a GB18030 file with a Chinese name and a UTF-8
 * file with a BOM included — and an item already in UAT skipped; each file is read once.
 */
import { type Sandbox, sqlSeedFiles, startSandbox } from '@cdflow/sandbox';
import { describe, expect, it } from 'vitest';
import { closingAfterEach, type Harness, startHarness, tokens } from './support/e2e-harness.js';

const closedAfterTest = closingAfterEach();

const acc = 'database_acc/db_a18/acc';

/**
 * Two files committed at revision 3010 (GitLab: tag 3010): the GB18030 statement of the seed's 会员备注
 * file and a UTF-8 file with a BOM. (The Archery simulator's review does not take a statement that
 * starts with a comment line yet, so the files hold the statements alone.)
 */
const gbkFile = '05.acc_ddl_会员备注_gbk.sql';
const bomFile = '06.acc_dml_member_remark_bom.sql';
const seedGbk = sqlSeedFiles.memberRemark;
const gbkBytes = seedGbk.bytes.subarray(seedGbk.bytes.indexOf(0x0a) + 1);
const gbkText = seedGbk.text.slice(seedGbk.text.indexOf('\n') + 1);
const bomText = "UPDATE member SET remark = '无' WHERE remark IS NULL;\n";
const bomBytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(bomText)]);

function commitEncodedFiles(sb: Sandbox): void {
  sb.svn.commitChanges(
    [
      { path: `${acc}/${gbkFile}`, content: gbkBytes },
      { path: `${acc}/${bomFile}`, content: bomBytes },
    ],
    { revision: 3010, message: 'A18: 会员备注 (GB18030) and its default (UTF-8 with BOM)' },
  );
  const inRepository = acc.slice('database_acc/'.length);
  sb.gitlab.commit(
    sb.gitlab.projectIds().database_acc!,
    { [`${inRepository}/${gbkFile}`]: gbkBytes, [`${inRepository}/${bomFile}`]: bomBytes },
    { message: 'A18: 会员备注', tag: '3010' },
  );
}

/** The original release system's body, field for field (its swagger and views.py). */
function originalPayload(summary: string) {
  return {
    project: 'A18',
    summary,
    issue_type: '升级',
    env: 'UAT',
    function_list: ['【A18】会员积分', '【A18】会员备注'],
    upgrade_type: '日常排版需求',
    sql_info: [
      {
        sql_id: 'a18-0301',
        svn_path: acc,
        svn_file: '01.acc_member_points.sql',
        svn_version: '3001',
        has_deploy_uat: false,
      },
      { sql_id: 'a18-0302', svn_path: acc, svn_file: gbkFile, svn_version: '3010', has_deploy_uat: false },
      { sql_id: 'a18-0303', svn_path: acc, svn_file: bomFile, svn_version: '3010', has_deploy_uat: false },
      // Already executed in UAT by hand: skipped, never read.
      {
        sql_id: 'a18-0304',
        svn_path: acc,
        svn_file: '02.acc_dml_store_region.sql',
        svn_version: '2001',
        has_deploy_uat: true,
      },
    ],
    apollo_info: [],
    config_info: [],
    code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1502', tag: '' }],
  };
}

/** POST /cicdflow/ as the original's client sends it: `Authorization: <token>`, no scheme. */
async function publish(h: Harness, body: unknown) {
  const res = await fetch(`${h.url}/cicdflow/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: tokens.intake },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const expectedTexts = [sqlSeedFiles.memberPoints.text, gbkText, bomText];

async function runOriginalPayload(h: Harness, sb: Sandbox, summary: string) {
  const body = originalPayload(summary);
  const answer = await publish(h, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  // The original's fields, which the release system reads, beside cdflow's own.
  expect(answer.body.status).toBe(true);
  expect(answer.body.data).toEqual(body);
  expect(typeof answer.body.msg).toBe('string');
  expect(answer.body.jira_issue_key).toMatch(/^AC-\d+$/);
  expect(answer.body.key).toBe(answer.body.jira_issue_key);
  expect(answer.body).toMatchObject({ summary, iteration: 1 });

  const done = await h.waitForState(String(answer.body.releaseId), 'uatComplete', 30_000);
  const orders = sb.archery.orders();
  // Archery keeps the statement without its surrounding whitespace.
  expect(
    orders.map((o) => o.sqlContent),
    'the texts of the files, decoded, in sequence order',
  ).toEqual(expectedTexts.map((t) => t.trim()));
  expect(orders.every((o) => o.status === 'workflow_finish')).toBe(true);

  const plan = done.plan as { sql: Array<{ item: { sqlId: string }; decision: string; reason: string }> };
  expect(plan.sql.map((e) => `${e.item.sqlId} ${e.decision} ${e.reason}`)).toEqual([
    'a18-0301 run new',
    'a18-0302 run new',
    'a18-0303 run new',
    'a18-0304 skip already in UAT (has_deploy_uat)',
  ]);
  const texts = done.sqlTexts as { read: Array<{ ref: string; encoding: string }>; awaiting: string[] };
  expect(texts.awaiting).toEqual([]);
  expect(texts.read.map((t) => [t.ref, t.encoding])).toEqual([
    [`${acc}/01.acc_member_points.sql@3001`, 'utf-8'],
    [`${acc}/${gbkFile}@3010`, 'gb18030'],
    [`${acc}/${bomFile}@3010`, 'utf-8'],
  ]);

  // cdflow moves Jira just after its own decision.
  const key = String(answer.body.key);
  await expect.poll(() => sb.jira.issue(key)?.status, { timeout: 10_000 }).toBe('UAT升级完成');
  const issue = sb.jira.issue(key);
  const sqlField = String(issue?.fields.customfield_10201 ?? '');
  expect(sqlField.split('\n')).toHaveLength(4);
  expect(sqlField.split('\n')[3]).toMatch(
    /a18-0304: .*02\.acc_dml_store_region\.sql@2001 .*\(skipped: already in UAT\)$/,
  );
  return done;
}

/** cdflow reading the SQL texts from the sandbox's SVN simulator. */
const svnSource = (sandbox: Sandbox) => ({
  SVN_BASE_URL: sandbox.urls.svn,
  SVN_USER: sandbox.credentials.svn.user,
  SVN_PASSWORD: sandbox.credentials.svn.password,
});

describe("the original release system's payload, unchanged", () => {
  it('reaches uatComplete with the SVN texts in the Archery orders, GBK file included, each file read once', async () => {
    const sandbox = await closedAfterTest(startSandbox());
    commitEncodedFiles(sandbox);
    const harness = await closedAfterTest(
      startHarness({ sqlMode: 'auto', sandbox, env: svnSource(sandbox) }),
    );
    await runOriginalPayload(harness, sandbox, `【A18】【升级】20261205_svn_${Date.now()}`);
    expect(sandbox.svn.counters.get('GET /svn/*'), 'three files, one read each').toBe(3);
  }, 60_000);

  it('the same with the GitLab source (repository → project id in the config file)', async () => {
    const sandbox = await closedAfterTest(startSandbox());
    commitEncodedFiles(sandbox);
    const harness = await closedAfterTest(
      startHarness({
        sqlMode: 'auto',
        sandbox,
        config: { sqlSource: { gitlab: { projects: sandbox.gitlab.projectIds() } } },
        env: { GITLAB_BASE_URL: sandbox.urls.gitlab, GITLAB_TOKEN: sandbox.credentials.gitlab.token },
      }),
    );
    await runOriginalPayload(harness, sandbox, `【A18】【升级】20261205_gitlab_${Date.now()}`);
    expect(sandbox.gitlab.counters.get('GET /api/v4/projects/:id/repository/files/:file_path/raw')).toBe(3);
    expect(sandbox.svn.counters.get('GET /svn/*')).toBe(0);
  }, 60_000);

  it('a file missing at that revision fails the release naming path/file@rev, with a Jira comment', async () => {
    const sandbox = await closedAfterTest(startSandbox());
    const harness = await closedAfterTest(
      startHarness({ sqlMode: 'auto', sandbox, env: svnSource(sandbox) }),
    );
    const body = originalPayload(`【A18】【升级】20261205_missing_${Date.now()}`);
    // Deleted at 2001: the release names a revision where the file is gone.
    body.sql_info = [
      {
        sql_id: 'a18-0305',
        svn_path: acc,
        svn_file: '00.acc_ddl_laboratory_scratch.sql',
        svn_version: '2001',
        has_deploy_uat: false,
      },
    ];
    const answer = await publish(harness, body);
    expect(answer.status).toBe(201);
    const failed = await harness.waitForState(String(answer.body.releaseId), 'sqlPending.failed');
    const reason = String((failed.failure as { reason: string }).reason);
    expect(reason).toContain(`${acc}/00.acc_ddl_laboratory_scratch.sql@2001`);
    expect(reason).toContain('a18-0305');
    expect(sandbox.archery.orders()).toEqual([]);
    const key = String(failed.key);
    await expect
      .poll(() => sandbox.jira.issue(key)?.comments.join('\n') ?? '', { timeout: 10_000 })
      .toContain('00.acc_ddl_laboratory_scratch.sql@2001');
  }, 60_000);
});
