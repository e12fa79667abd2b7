/**
 * "Where and why" (issue 14): every release answers, through GET /api/releases/:key (`situation`) and
 * the legacy GET /cicdflow/?summary= (`errormessage`, `waiting_for`), what step it is at, what it waits
 * for — a person (who, by which Jira transition or event), a timer (which, when), an upstream (which,
 * since when, tries, next try, last error) — and its last failure in full. Against the simulators.
 */
import { describe, expect, it } from 'vitest';
import { closingAfterEach, sampleRequest, tokens } from './support/e2e-harness.js';
import { eventually, oneSqlItem, type Scenario, startScenario } from './support/e2e-scenario.js';

const closedAfterTest = closingAfterEach();

interface Situation {
  step: string;
  summary: string;
  waitsFor: Record<string, unknown> | null;
  timers: Array<{ timer: string; purpose: string; firesAt: string | null }>;
  lastFailure: {
    stage: string;
    reason: string;
    findings: Array<Record<string, string>>;
    orders: Array<Record<string, unknown>>;
  } | null;
}

interface LegacyData {
  upgrade_status: number | string;
  sql_info: Array<{ sql_id: string; status: string; errormessage: string }>;
  errormessage: string;
  waiting_for: string;
}

async function situationOf(s: Scenario, key: string): Promise<Situation> {
  return (await s.release(key)).situation as Situation;
}

/** The original's status query, as the release system asks it. */
async function legacy(s: Scenario, summary: string): Promise<LegacyData> {
  const res = await fetch(`${s.url}/cicdflow/?${new URLSearchParams({ summary })}`, {
    headers: { authorization: `Bearer ${tokens.intake}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { code: number; data: LegacyData };
  expect(body.code).toBe(10200);
  return body.data;
}

/** The release's situation, expected at `step` and waiting for what matches `waitsFor`. */
function situationAt(
  release: Record<string, unknown>,
  step: string,
  waitsFor: Record<string, unknown>,
): Situation {
  const situation = release.situation as Situation;
  expect(situation.step).toBe(step);
  expect(situation.waitsFor).toMatchObject(waitsFor);
  return situation;
}

const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('where and why: a policy refusal', () => {
  it('the failure carries each finding with its rule, location, message and fix; the legacy errormessage too', async () => {
    const h = await closedAfterTest(
      startScenario({ sqlMode: 'manual', config: { policy: { projects: ['A18'] } } }),
    );
    const request = sampleRequest({
      sql_info: oneSqlItem('ALTER TABLE laboratory RENAME COLUMN name TO full_name;'),
    });
    const key = String((await h.intake(request)).body.key);
    const failed = await h.waitForState(key, 'sqlPending.failed');

    const situation = failed.situation as Situation;
    expect(situation.lastFailure?.stage).toBe('policy');
    const finding = situation.lastFailure?.findings.find((f) => f.ruleId === 'DF-D001');
    expect(finding).toMatchObject({
      severity: 'error',
      location: expect.stringContaining('01.acc_ddl_laboratory.sql'),
    });
    expect(finding?.message).toContain('laboratory.name');
    expect(finding?.suggestion).toContain('Keep name; add full_name as a new column');
    // The reason itself is whole: no "(1 violation(s))" that sends a person to the history.
    expect(situation.lastFailure?.reason).toContain('[DF-D001]');
    expect(situation.lastFailure?.reason).toContain('(fix: Keep name; add full_name as a new column');
    expect(failed.failure).toMatchObject({
      stage: 'policy',
      findings: [expect.objectContaining({ ruleId: 'DF-D001' })],
    });
    expect(situation.waitsFor).toMatchObject({ kind: 'person', who: 'the developers' });
    expect(situation.summary).toContain('[DF-D001]');

    const answer = await legacy(h, String(request.summary));
    expect(answer.upgrade_status).toBe(150);
    expect(answer.sql_info).toEqual([]);
    expect(answer.errormessage).toContain('[DF-D001]');
    expect(answer.errormessage).toContain('Keep name; add full_name as a new column');
    expect(answer.waiting_for).toBe(situation.summary);
  });

  it("an auto-review rejection carries Archery's review message into the failure and the legacy answer", async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    h.sandbox.archery.failNextAutoReview("Table 'laboratory' doesn't exist.");
    const request = sampleRequest();
    const key = String((await h.intake(request)).body.key);
    const failed = await h.waitForState(key, 'sqlPending.failed');

    const situation = failed.situation as Situation;
    expect(situation.lastFailure?.stage).toBe('sql');
    expect(situation.lastFailure?.reason).toContain(
      "workflow_autoreviewwrong: Table 'laboratory' doesn't exist.",
    );
    expect(situation.lastFailure?.orders).toEqual([
      expect.objectContaining({
        sqlId: 'a18-0001',
        status: 'workflow_autoreviewwrong',
        message: "Table 'laboratory' doesn't exist.",
      }),
    ]);

    const answer = await legacy(h, String(request.summary));
    expect(answer.sql_info).toEqual([
      expect.objectContaining({
        sql_id: 'a18-0001',
        status: 'workflow_autoreviewwrong',
        errormessage: "Table 'laboratory' doesn't exist.",
      }),
    ]);
    expect(answer.errormessage).toContain("Table 'laboratory' doesn't exist.");
  });
});

describe('where and why: Archery answering 500', () => {
  it('says which upstream, since when, how many tries failed, the next try and the last error; then moves on', async () => {
    const h = await closedAfterTest(
      startScenario({
        sqlMode: 'watch',
        config: { timings: { effectRetryBaseMs: 100, effectRetryMaxMs: 1_000 } },
      }),
    );
    const request = sampleRequest();
    const key = String((await h.intake(request)).body.key);
    const executing = await h.waitForState(key, 'sqlExecuting');
    expect((executing.situation as Situation).waitsFor).toMatchObject({
      kind: 'upstream',
      upstream: 'archery',
    });

    const askedFrom = new Date().toISOString();
    h.sandbox.archery.faults.inject({
      route: 'GET /api/v1/workflow/',
      status: 500,
      body: { detail: 'Server Error (500)' },
    });
    const stuck = await eventually('two failed reads of Archery', async () => {
      const situation = await situationOf(h, key);
      const wait = situation.waitsFor as { kind: string; attempts?: number } | null;
      return wait?.kind === 'upstream' && (wait.attempts ?? 0) >= 2 ? situation : undefined;
    });
    const wait = stuck.waitsFor as Record<string, unknown>;
    expect(wait).toMatchObject({
      kind: 'upstream',
      upstream: 'archery',
      task: "cdflow reads the work orders' status in Archery",
    });
    expect(String(wait.since)).toMatch(iso);
    expect(String(wait.nextTryAt)).toMatch(iso);
    expect(Date.parse(String(wait.nextTryAt))).toBeGreaterThan(Date.parse(askedFrom));
    expect(String(wait.lastError)).toMatch(/500/);
    expect(stuck.lastFailure).toBeNull();
    expect(stuck.summary).toMatch(/tries failed since .*last error: .*500.*next try \(attempt \d+\) at /);
    const view = await h.release(key);
    expect(view.state).toBe('sqlExecuting');
    expect(view.failure).toBeNull();

    const answer = await legacy(h, String(request.summary));
    expect(answer.upgrade_status).toBe(102);
    expect(answer.errormessage).toMatch(/^Archery is failing: .*500.* tries since .*; next try at /);

    // Archery is back and the DBA runs the orders: the release moves on and says what it waits for next.
    h.sandbox.archery.faults.clear();
    for (const order of h.sandbox.archery.orders()) {
      h.sandbox.archery.dba.pass(order.workflowId);
      h.sandbox.archery.dba.execute(order.workflowId, 'manual');
    }
    const config = await h.waitForStep(key, 'configExecuting.awaitingConfirmation');
    expect((config.situation as Situation).waitsFor).toMatchObject({ kind: 'person', who: 'ops' });
    expect((await legacy(h, String(request.summary))).errormessage).toBe('');
  });
});

describe('where and why: waiting for a person', () => {
  it('names who, what they do, the Jira transitions and API events, and the Jira groups allowed', async () => {
    const h = await closedAfterTest(
      startScenario({
        sqlMode: 'manual',
        config: { people: { events: { SQL_CONFIRMED: ['dba'] } } },
      }),
    );
    const request = sampleRequest();
    const key = String((await h.intake(request)).body.key);
    const executing = await h.waitForState(key, 'sqlExecuting');

    const situation = situationAt(
      executing,
      'SQL执行中: the DBA reviews and executes the SQL work orders in Archery, in sequence order, then confirms; cdflow watches Archery',
      {
        kind: 'person',
        who: 'the DBA',
        task: expect.stringMatching(
          /^review and execute #1 a18-0001 \(work order \d+, workflow_manreviewing\), #2 a18-0002/,
        ),
        moves: [
          { event: 'SQL_CONFIRMED', jiraTransition: 'SQL升级成功', allowedGroups: ['dba'] },
          { event: 'SQL_REPORTED_FAILED', jiraTransition: 'SQL升级失败', allowedGroups: null },
        ],
      },
    );
    expect(situation.lastFailure).toBeNull();

    const answer = await legacy(h, String(request.summary));
    expect(answer.errormessage).toBe('');
    expect(answer.waiting_for).toContain('Waits for the DBA');
    expect(answer.waiting_for).toContain('SQL升级成功 (SQL_CONFIRMED, by dba)');
  });
});

describe('where and why: waiting for a timer', () => {
  it('the pre-deploy delay: which timer and when it fires', async () => {
    const h = await closedAfterTest(
      startScenario({ sqlMode: 'manual', config: { timings: { preDeployDelayMs: 60_000 } } }),
    );
    const request = sampleRequest({ sql_info: [], apollo_info: [], config_info: [] });
    const key = String((await h.intake(request)).body.key);
    const delaying = await eventually('the release in codeExecuting.delaying', async () => {
      const view = await h.release(key);
      return view.step === 'codeExecuting.delaying' ? view : undefined;
    });

    const situation = situationAt(
      delaying,
      'CODE执行中: cdflow waits the pre-deploy delay (image sync) before deploying',
      {
        kind: 'timer',
        timer: 'deploy.delay',
        purpose: 'the pre-deploy delay (image sync) ends and cdflow deploys',
      },
    );
    const firesAt = String((situation.waitsFor as { firesAt: string }).firesAt);
    expect(firesAt).toMatch(iso);
    // Scheduled with the decision that entered the step: a minute after it, as configured.
    const scheduledAt = Date.parse(String(delaying.updatedAt));
    expect(Date.parse(firesAt) - scheduledAt).toBeGreaterThan(55_000);
    expect(Date.parse(firesAt) - scheduledAt).toBeLessThanOrEqual(60_000);
    expect(h.sandbox.cmdb.deploys()).toEqual([]);

    const answer = await legacy(h, String(request.summary));
    expect(answer.upgrade_status).toBe('CODE执行中');
    expect(answer.errormessage).toBe('');
    expect(answer.waiting_for).toContain(`Waits for a timer (deploy.delay)`);
    expect(answer.waiting_for).toContain(firesAt);
  });
});
