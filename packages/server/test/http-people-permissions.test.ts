import { jiraSandboxPasswords } from '@cdflow/sandbox';
import { loadConfig } from '@cdflow/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './support/cdflow-client.js';
import { finishSqlOrders, sampleRequest, tokens } from './support/e2e-harness.js';
import { type PeopleHarness, people, sha256Hex, startPeopleHarness } from './support/people-harness.js';

const personTokens = {
  dba: 'dba-wang-personal-token-51b7c0',
  ops: 'ops-li-personal-token-8e22f4',
  releaseManager: 'rm-zhao-personal-token-c09d13',
  developer: 'dev-chen-personal-token-77a6b5',
};

const peopleConfig = {
  tokens: [
    { name: 'dba.wang', sha256: sha256Hex(personTokens.dba), groups: ['dba'] },
    // Hex digits in capitals are the same hash.
    { name: 'ops.li', sha256: sha256Hex(personTokens.ops).toUpperCase(), groups: ['ops'] },
    { name: 'rm.zhao', sha256: sha256Hex(personTokens.releaseManager), groups: ['release-managers'] },
    { name: 'dev.chen', sha256: sha256Hex(personTokens.developer), groups: ['developers'] },
  ],
  events: { SQL_CONFIRMED: ['dba'], CONFIG_CONFIRMED: ['ops', 'Release-Managers'] },
};

let h: PeopleHarness;
beforeAll(async () => {
  h = await startPeopleHarness({ sqlMode: 'manual', config: { people: peopleConfig } });
});
afterAll(() => h.close());

const send = (key: string, body: Record<string, unknown>, token: string) =>
  h.call(`/api/releases/${encodeURIComponent(key)}/events`, { method: 'POST', body, token });

/** Signs `username` in to the console and sends the event `body` in that session (cookie and CSRF header). */
async function sendSignedIn(key: string, body: Record<string, unknown>, username: string, password: string) {
  const signed = await h.signIn(username, password);
  return h.call(`/api/releases/${encodeURIComponent(key)}/events`, {
    method: 'POST',
    body,
    cookies: signed.cookies,
    csrf: signed.csrfToken,
  });
}

describe('person tokens: configured as SHA-256 hashes', () => {
  it('each token is its person, with their groups, wherever it stands in the list', async () => {
    for (const [token, name, groups] of [
      [personTokens.dba, 'dba.wang', ['dba']],
      [personTokens.ops, 'ops.li', ['ops']],
      [personTokens.developer, 'dev.chen', ['developers']],
    ] as const) {
      const me = await h.call('/api/session', { token });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ name, groups, via: 'person-token' });
    }
  });

  it('reads work with a person token', async () => {
    expect((await h.call('/api/releases', { token: personTokens.ops })).status).toBe(200);
  });

  it('a token one character off, an unknown token, or the configured hash itself → 401', async () => {
    const offByOne = `${personTokens.dba.slice(0, -1)}1`;
    for (const token of [offByOne, 'someone-elses-token-000000', sha256Hex(personTokens.dba)]) {
      const answer = await h.call('/api/releases', { token });
      expect(answer.status).toBe(401);
      expect(String(answer.body.message)).toContain('a person token');
    }
  });
});

describe('group permissions and who the history names', () => {
  let key: string;
  beforeAll(async () => {
    const intake = await h.intake(sampleRequest());
    expect(intake.status).toBe(201);
    key = String(intake.body.key);
    await h.waitForState(key, 'sqlExecuting');
    finishSqlOrders(h.sandbox);
  });

  it('a person outside the allowed groups → 403 naming the groups that may', async () => {
    const answer = await send(key, { type: 'SQL_CONFIRMED' }, personTokens.developer);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: 'forbidden', event: 'SQL_CONFIRMED', allowedGroups: ['dba'] });
    expect(String(answer.body.message)).toMatch(/SQL_CONFIRMED may be sent only by members of dba/);
    expect(String(answer.body.message)).toContain('dev.chen is in developers');
    expect((await h.release(key)).state).toBe('sqlExecuting');
  });

  it('a console session whose Jira groups do not include dba → 403 too', async () => {
    const answer = await sendSignedIn(
      key,
      { type: 'SQL_CONFIRMED' },
      people.alice.name,
      people.alice.password,
    );
    expect(answer.status).toBe(403);
    expect(String(answer.body.message)).toContain('alice is in jira-software-users');
  });

  it('a dba sends it: applied, and the history names dba.wang, not the `by` typed in the body', async () => {
    const answer = await send(key, { type: 'SQL_CONFIRMED', by: 'someone-else' }, personTokens.dba);
    expect(answer.status).toBe(200);
    const history = await h.history(key);
    const confirmed = history.find((e) => e.event === 'SQL_CONFIRMED');
    expect(confirmed).toMatchObject({ source: 'operator', actor: 'dba.wang', accepted: true });
    expect(history.some((e) => e.actor === 'someone-else')).toBe(false);
    // It stood on Archery showing the orders finished: the release moves on to the configuration.
    await waitUntil(
      async () => String((await h.release(key)).state).startsWith('configExecuting'),
      'the confirmation to stand',
    );
    const release = await h.release(key);
    expect((release.sqlOrders as Array<{ status: string }>).map((o) => o.status)).toEqual([
      'workflow_finish',
      'workflow_finish',
    ]);
  });

  it('groups compare as Jira compares them (case-insensitively): a release manager confirms the config', async () => {
    await waitUntil(
      async () => (await h.release(key)).step === 'configExecuting.awaitingConfirmation',
      'the config to wait for a person',
    );
    const answer = await send(key, { type: 'CONFIG_CONFIRMED' }, personTokens.releaseManager);
    expect(answer.status).toBe(200);
    expect((await h.history(key)).find((e) => e.event === 'CONFIG_CONFIRMED')?.actor).toBe('rm.zhao');
  });

  it('an event no rule names may be sent by any signed-in person, as themselves', async () => {
    await h.waitForState(key, 'uatComplete');
    const answer = await sendSignedIn(
      key,
      { type: 'FINISH', by: 'not-alice' },
      people.alice.name,
      people.alice.password,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.state).toBe('closed');
    const finish = (await h.history(key)).find((e) => e.event === 'FINISH');
    expect(finish).toMatchObject({ source: 'operator', actor: 'alice' });
  });

  it('a DBA signed in with Jira (group dba, read from Jira) may send it, as themselves', async () => {
    const intake = await h.intake(sampleRequest());
    const other = String(intake.body.key);
    await h.waitForState(other, 'sqlExecuting');
    finishSqlOrders(h.sandbox);
    const answer = await sendSignedIn(other, { type: 'SQL_CONFIRMED' }, 'dba1', jiraSandboxPasswords.dba1);
    expect(answer.status).toBe(200);
    const confirmed = (await h.history(other)).find((e) => e.event === 'SQL_CONFIRMED');
    expect(confirmed).toMatchObject({ source: 'operator', actor: 'dba1', accepted: true });
  });

  it('the shared operator token is break-glass: any event, attributed to "operator" whatever `by` says', async () => {
    const intake = await h.intake(sampleRequest());
    const other = String(intake.body.key);
    await h.waitForState(other, 'sqlExecuting');
    finishSqlOrders(h.sandbox);
    const answer = await send(other, { type: 'SQL_CONFIRMED', by: 'dba' }, tokens.operator);
    expect(answer.status).toBe(200);
    const confirmed = (await h.history(other)).find((e) => e.event === 'SQL_CONFIRMED');
    expect(confirmed).toMatchObject({ source: 'operator', actor: 'operator' });
  });

  it('the intake token never decides', async () => {
    expect((await send(key, { type: 'FINISH' }, tokens.intake)).status).toBe(401);
  });
});

describe('the people settings are checked at start', () => {
  const load = (people: unknown) =>
    loadConfig(
      { CDFLOW_SANDBOX: '1', CDFLOW_CONFIG: '/etc/cdflow.json' },
      { readFile: () => JSON.stringify({ people }) },
    );
  const problems = (people: unknown): string[] => {
    try {
      load(people);
    } catch (error) {
      return (error as { problems: string[] }).problems;
    }
    return [];
  };

  it('a good section loads, hashes in lower case', () => {
    const config = load(peopleConfig);
    expect(config.people.tokens.map((t) => t.name)).toEqual(['dba.wang', 'ops.li', 'rm.zhao', 'dev.chen']);
    expect(config.people.tokens[1]?.sha256).toBe(sha256Hex(personTokens.ops));
    expect(config.people.events.SQL_CONFIRMED).toEqual(['dba']);
    expect(config.people.sessionTtlMinutes).toBe(480);
    expect(config.console.stuckAfterMinutes).toBe(120);
  });

  it('every mistake is named: bad hash, reserved or repeated name, unknown event, empty group list', () => {
    const hash = sha256Hex('x');
    const found = problems({
      tokens: [
        { name: 'operator', sha256: hash },
        { name: 'p1', sha256: 'abc' },
        { name: 'p2', sha256: sha256Hex('y') },
        { name: 'p2', sha256: hash },
      ],
      events: { SQL_CONFIRMD: ['dba'], FINISH: [] },
    });
    const text = found.join('\n');
    expect(text).toMatch(/people\.tokens\.1\.sha256/);
    // The schema refuses the bad hash first; fix it and the other problems are all listed together.
    const again = problems({
      tokens: [
        { name: 'operator', sha256: hash },
        { name: 'p2', sha256: sha256Hex('y') },
        { name: 'p2', sha256: hash },
      ],
      events: { SQL_CONFIRMD: ['dba'], FINISH: [] },
    }).join('\n');
    expect(again).toContain('people.tokens.0.name: "operator" is a name cdflow uses itself');
    expect(again).toContain('people.tokens.2.name: "p2" is given to two tokens');
    expect(again).toContain('people.tokens.2.sha256: the same token hash is configured twice');
    expect(again).toContain('people.events.SQL_CONFIRMD: unknown event (expected one of SQL_CONFIRMED');
    expect(again).toContain('people.events.FINISH: list at least one Jira group');
  });

  it('unknown keys are refused', () => {
    expect(problems({ token: [] }).join('\n')).toContain('people.token: unknown setting');
  });
});
