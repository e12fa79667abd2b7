/**
 * Issue creation, a failed effect a person retries, and releases that ended (issue 11), through HTTP
 * against the simulators: optional select fields are omitted when empty; an effect nothing retries by
 * itself shows in the release's situation until `POST /api/releases/:key/effects/:id/retry`; a closed or
 * promoted release answers a re-publish as final, saying what to do instead.
 */
import { describe, expect, it } from 'vitest';
import { closingAfterEach, sampleRequest, tokens } from './support/e2e-harness.js';
import { eventually, type Scenario, startScenario } from './support/e2e-scenario.js';
import { startProdScenario } from './support/prod-scenario.js';

const closedAfterTest = closingAfterEach();

/** The Jira field of the upgrade type (升级类型, a select list) in the simulator's fields. */
const upgradeTypeField = 'customfield_10101';

async function retry(s: Scenario, ref: string, id: number | string, token = tokens.operator) {
  const res = await fetch(`${s.url}/api/releases/${encodeURIComponent(ref)}/effects/${id}/retry`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

interface Retry {
  effectId: number | null;
  effectType: string;
  reason: string;
  route: string | null;
}

describe('the Jira issue of a request without an upgrade type', () => {
  it('is created with the select field left out (never {"value": ""}), and the release goes on', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    const { upgrade_type: _omitted, ...body } = sampleRequest();
    const res = await h.intake(body);
    expect(res.status).toBe(201);
    const view = await h.waitForState(String(res.body.releaseId), 'sqlExecuting');
    const key = String(view.key);
    const issue = h.sandbox.jira.issue(key);
    expect(issue?.fields.summary).toBe(body.summary);
    expect(issue?.fields[upgradeTypeField] ?? null).toBeNull();
    // One creation, answered 201: no refused attempt before it.
    const creations = h.sandbox.jira.requestLog().filter((r) => r.route === 'POST /rest/api/2/issue');
    expect(creations.map((r) => r.status)).toEqual([201]);
  });
});

describe('a failed effect a person retries', () => {
  it('shows in the situation with its reason and route; the retry runs it, recorded under the person', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    // Jira refuses the creation once for good (a 400 is not retried by itself).
    h.sandbox.jira.faults.inject({
      route: 'POST /rest/api/2/issue',
      status: 400,
      body: { errorMessages: [], errors: { customfield_10102: 'Field is locked by a Jira administrator.' } },
      times: 1,
    });
    const res = await h.intake(sampleRequest());
    expect(res.status).toBe(201);
    const ref = String(res.body.releaseId);
    const stuck = await eventually('the failed creation in the situation', async () => {
      const view = await h.release(ref);
      const wait = (view.situation as { waitsFor?: { retry?: Retry[] } }).waitsFor;
      return wait?.retry && wait.retry.length > 0 ? { view, retry: wait.retry } : undefined;
    });
    expect(stuck.view.key).toBeNull();
    const [failed] = stuck.retry;
    expect(failed).toMatchObject({ effectType: 'jira.ensureIssue', reason: expect.stringContaining('400') });
    expect(failed?.route).toBe(`POST /api/releases/${ref}/effects/${failed?.effectId}/retry`);
    expect(h.sandbox.jira.issues()).toEqual([]);

    // Only a person with the operator role retries; an unknown effect is 404.
    expect((await retry(h, ref, Number(failed?.effectId), tokens.intake)).status).toBe(401);
    const unknown = await retry(h, ref, 999_999);
    expect(unknown.status).toBe(404);
    expect(String(unknown.body.message)).toContain('has no effect 999999');

    const retried = await retry(h, ref, Number(failed?.effectId));
    expect(retried.status).toBe(200);
    expect(retried.body.releaseId).toBe(ref);
    // The issue is created now, and the Jira work that waited for it follows.
    const executing = await eventually('the release with its Jira issue', async () => {
      const view = await h.release(ref);
      return view.key !== null && view.state === 'sqlExecuting' ? view : undefined;
    });
    const key = String(executing.key);
    expect(h.sandbox.jira.issues().map((i) => i.key)).toEqual([key]);
    await h.waitForJiraStatus(key, 'SQL执行中');
    expect((executing.situation as { waitsFor?: { retry?: Retry[] } }).waitsFor?.retry).toBeUndefined();
    const history = await h.history(key);
    expect(history.find((e) => e.event === 'EFFECT_RETRY_REQUESTED')).toMatchObject({
      source: 'operator',
      actor: 'operator',
      accepted: true,
    });
    // Done now: nothing left to retry.
    expect((await retry(h, ref, Number(failed?.effectId))).status).toBe(404);
  });
});

describe('a release that ended', () => {
  it('answers a re-publish 409 release_final: closed → a new summary; promoted → iterate in PRO', async () => {
    // Production's upstreams are configured: a promotion is taken.
    const h = await closedAfterTest(startProdScenario({ sqlMode: 'manual' }));
    const codeOnly = () => sampleRequest({ sql_info: [], apollo_info: [], config_info: [] });
    const closing = codeOnly();
    const promoting = codeOnly();
    const closed = String((await h.intake(closing)).body.key);
    const promoted = String((await h.intake(promoting)).body.key);
    await h.waitForState(closed, 'uatComplete');
    await h.waitForState(promoted, 'uatComplete');
    expect((await h.operatorEvent(closed, { type: 'FINISH', by: 'rm' })).status).toBe(200);
    expect((await h.operatorEvent(promoted, { type: 'PROMOTE_TO_PROD', by: 'rm' })).status).toBe(200);
    await h.waitForState(closed, 'closed');
    await h.waitForState(promoted, (st) => st !== 'uatComplete');

    const again = await h.intake({ ...closing, version: '1.1.2' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'release_final', status: false, jira_issue_key: closed });
    expect(String(again.body.message)).toContain('it is final');
    expect(String(again.body.message)).toContain('under a new summary');

    const toProd = await h.intake({ ...promoting, version: '1.1.2' });
    expect(toProd.status).toBe(409);
    expect(toProd.body.error).toBe('release_final');
    expect(String(toProd.body.message)).toContain('iterate in PRO');

    // A person's event on it is answered final too.
    const event = await h.operatorEvent(closed, { type: 'UAT_AUTO_ITERATION' });
    expect(event.status).toBe(409);
    expect(event.body.error).toBe('release_final');
    expect(String(event.body.message)).toContain('under a new summary');

    // Asking again later changes nothing: final is final (not "retry when the stage ends").
    const later = await h.intake({ ...closing, version: '1.1.3' });
    expect(later.status).toBe(409);
    expect(later.body.error).toBe('release_final');
    expect(h.sandbox.cmdb.deploys()).toHaveLength(4);
  });
});
