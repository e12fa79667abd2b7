import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './support/cdflow-client.js';
import { sampleRequest, tokens } from './support/e2e-harness.js';
import { type PeopleHarness, startPeopleHarness } from './support/people-harness.js';

interface Listed {
  total: number;
  items: Array<{
    key: string | null;
    summary: string;
    state: string;
    waitingSince: string | null;
    stuck: boolean;
  }>;
}

let h: PeopleHarness;
const keys: Record<string, string> = {};
beforeAll(async () => {
  h = await startPeopleHarness({ sqlMode: 'manual' });
  for (const [name, summary] of [
    ['alpha', '【A18】【升级】search_Alpha_01'],
    ['beta', '【A18】【升级】search_beta_02'],
    ['gamma', '【A18】【升级】other_gamma_03'],
  ] as const) {
    const answer = await h.intake(sampleRequest({ summary }));
    expect(answer.status).toBe(201);
    keys[name] = String(answer.body.key);
  }
  for (const key of Object.values(keys)) await h.waitForState(key, 'sqlExecuting');
});
afterAll(() => h.close());

const list = async (query: string) => {
  const answer = await h.call(`/api/releases?${query}`, { token: tokens.operator });
  return {
    status: answer.status,
    body: answer.body as unknown as Listed & { error?: string; message?: string },
  };
};

describe('GET /api/releases?q= searches the summary and the Jira key', () => {
  it('a part of the summary, in any case', async () => {
    for (const q of ['alpha', 'ALPHA', 'search_alpha']) {
      const { status, body } = await list(`q=${encodeURIComponent(q)}`);
      expect(status).toBe(200);
      expect(body.items.map((r) => r.key)).toEqual([keys.alpha]);
      expect(body.total).toBe(1);
    }
  });

  it('the words shared by several releases find them all, newest first', async () => {
    const { body } = await list('q=search_');
    expect(body.items.map((r) => r.key)).toEqual([keys.beta, keys.alpha]);
  });

  it('a Jira key', async () => {
    const { body } = await list(`q=${encodeURIComponent(keys.gamma!.toLowerCase())}`);
    expect(body.items.map((r) => r.key)).toContain(keys.gamma);
    for (const r of body.items) expect(r.key?.toLowerCase()).toContain(keys.gamma!.toLowerCase());
  });

  it('with the other filters and paging: total counts every match, items one page', async () => {
    const first = await list('q=%E3%80%90A18%E3%80%91&state=sqlExecuting&env=UAT&project=A18&limit=2');
    expect(first.body.total).toBe(3);
    expect(first.body.items).toHaveLength(2);
    const second = await list('q=%E3%80%90A18%E3%80%91&state=sqlExecuting&limit=2&offset=2');
    expect(second.body.items.map((r) => r.key)).toEqual([keys.alpha]);
    expect((await list('q=search_&state=uatComplete')).body.total).toBe(0);
  });

  it('nothing matching → an empty page', async () => {
    const { status, body } = await list('q=no-such-release-anywhere');
    expect(status).toBe(200);
    expect(body).toMatchObject({ total: 0, items: [] });
  });
});

describe('bad filter values are a 400 naming the parameter', () => {
  it.each([
    ['q=', 'querystring/q'],
    ['q=%20%20%20', 'querystring/q'],
    [`q=${'x'.repeat(201)}`, 'querystring/q'],
    ['state=sqlPendng', 'querystring/state'],
    ['env=DEV', 'querystring/env'],
    ['limit=0', 'querystring/limit'],
    ['sort=newest', 'querystring/sort'],
  ])('?%s', async (query, path) => {
    const { status, body } = await list(query);
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain(path);
  });

  it('an unknown state lists the states it accepts', async () => {
    const { body } = await list('state=sqlPendng');
    expect(body.message).toContain('must be one of sqlPending, sqlExecuting');
    expect(body.message).toContain('sqlPending.failed');
  });

  it('machine steps are accepted as states', async () => {
    expect((await list('state=configExecuting.awaitingConfirmation')).status).toBe(200);
    expect((await list('state=sqlPending.failed')).body.total).toBe(0);
  });
});

describe('a release waiting on a person says since when, and whether that is too long', () => {
  it('sqlExecuting in manual mode waits for the DBA: waitingSince is when it got there, not stuck within 120 min', async () => {
    const { body } = await list(`q=${encodeURIComponent('search_Alpha')}`);
    const release = body.items[0]!;
    const history = await h.history(keys.alpha!);
    // (The step is sqlExecuting.watching: cdflow reads Archery in every mode.)
    const entered = history.find(
      (e) => String(e.toState).startsWith('sqlExecuting') && !String(e.fromState).startsWith('sqlExecuting'),
    );
    expect(release.waitingSince).toBe(entered?.at);
    expect(release.stuck).toBe(false);
    const one = await h.call(`/api/releases/${keys.alpha}`, { token: tokens.operator });
    expect(one.body).toMatchObject({ waitingSince: entered?.at, stuck: false });
  });

  describe('with console.stuckAfterMinutes small', () => {
    let quick: PeopleHarness;
    beforeAll(async () => {
      // 0.002 min = 120 ms.
      quick = await startPeopleHarness({
        sqlMode: 'auto',
        config: { console: { stuckAfterMinutes: 0.002 } },
      });
    });
    afterAll(() => quick.close());

    it('a release waiting on ops becomes stuck; once ops confirmed and it reached uatComplete it waits on no one', async () => {
      const intake = await quick.intake(sampleRequest());
      const key = String(intake.body.key);
      let seen: Record<string, unknown> = {};
      await waitUntil(
        async () => {
          seen = (await quick.call(`/api/releases/${key}`, { token: tokens.operator })).body;
          return seen.step === 'configExecuting.awaitingConfirmation' && seen.stuck === true;
        },
        () => `release ${key} to be stuck waiting for ops; last ${JSON.stringify([seen.step, seen.stuck])}`,
      );
      const history = await quick.history(key);
      const entered = history.find((e) => e.toState === 'configExecuting.awaitingConfirmation');
      expect(seen.waitingSince).toBe(entered?.at);
      const listed = (await quick.call('/api/releases', { token: tokens.operator }))
        .body as unknown as Listed;
      expect(listed.items.find((r) => r.key === key)).toMatchObject({ stuck: true });

      await quick.operatorEvent(key, { type: 'CONFIG_CONFIRMED' });
      const done = await quick.waitForState(key, 'uatComplete');
      const after = (await quick.call(`/api/releases/${key}`, { token: tokens.operator })).body;
      expect(done.state).toBe('uatComplete');
      expect(after).toMatchObject({ waitingSince: null, stuck: false });
    });
  });
});
