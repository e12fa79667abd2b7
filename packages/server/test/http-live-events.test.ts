import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleRequest, tokens } from './support/e2e-harness.js';
import {
  type EventStream,
  openEventStream,
  type PeopleHarness,
  people,
  type ServerSentEvent,
  startPeopleHarness,
} from './support/people-harness.js';

let h: PeopleHarness;
const open: EventStream[] = [];
beforeAll(async () => {
  h = await startPeopleHarness({ sqlMode: 'auto' });
});
afterAll(async () => {
  for (const stream of open) stream.close();
  await h.close();
});

const stream = async (headers: Record<string, string>) => {
  const s = await openEventStream(h.url, headers);
  open.push(s);
  return s;
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const isReady = (e: ServerSentEvent) => e.event === 'ready';
const releaseOf = (e: ServerSentEvent) =>
  JSON.parse(e.data) as {
    releaseId: string;
    summary: string;
    state: string;
    revision: number;
    stuck: boolean;
  };

describe('GET /api/events: who may listen', () => {
  it('nobody without credentials (401 JSON)', async () => {
    const answer = await h.call('/api/events');
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('unauthorized');
  });

  it('the intake token, the operator token and a console session each get a text/event-stream', async () => {
    const signed = await h.signIn(people.alice.name, people.alice.password);
    const cookie = `cdflow_session=${signed.cookies.cdflow_session}`;
    for (const [headers, person] of [
      [bearer(tokens.intake), 'release-system'],
      [bearer(tokens.operator), 'operator'],
      [{ cookie }, 'alice'],
    ] as const) {
      const s = await stream(headers);
      expect(s.status).toBe(200);
      expect(s.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(s.headers.get('cache-control')).toContain('no-cache');
      const ready = await s.next(isReady, 'the ready event');
      expect(JSON.parse(ready.data)).toEqual({ person });
      s.close();
    }
  });
});

describe('GET /api/events tells every change of a release', () => {
  it('from intake to uatComplete: release events with the release, newer revisions only, the last in uatComplete', async () => {
    const s = await stream(bearer(tokens.operator));
    await s.next(isReady, 'the ready event');
    const request = sampleRequest();
    const intake = await h.intake(request);
    expect(intake.status).toBe(201);
    const releaseId = String(intake.body.releaseId);
    const mine = (e: ServerSentEvent) => e.event === 'release' && releaseOf(e).releaseId === releaseId;

    const first = releaseOf(await s.next(mine, `a release event of ${releaseId}`));
    expect(first.summary).toBe(request.summary);
    const revisions = [first.revision];
    let last = first;
    while (last.state !== 'configExecuting') {
      last = releaseOf(await s.next(mine, `${releaseId} in configExecuting`));
      revisions.push(last.revision);
    }
    expect(await h.operatorEvent(String(intake.body.key), { type: 'CONFIG_CONFIRMED' })).toMatchObject({
      status: 200,
    });
    while (last.state !== 'uatComplete') {
      const event = await s.next(mine, `${releaseId} in uatComplete`);
      expect(event.id).toBe(`${releaseId}:${releaseOf(event).revision}`);
      last = releaseOf(event);
      revisions.push(last.revision);
    }
    // In order: never an older view after a newer one.
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(last).toMatchObject({ state: 'uatComplete', stuck: false });
  });
});

describe('a console session stream ends with the session', () => {
  it('after sign-out the next change closes the stream with session-ended', async () => {
    const signed = await h.signIn(people.bob.name, people.bob.password);
    const s = await stream({ cookie: `cdflow_session=${signed.cookies.cdflow_session}` });
    await s.next(isReady, 'the ready event');
    const out = await h.call('/api/session', {
      method: 'DELETE',
      cookies: signed.cookies,
      csrf: signed.csrfToken,
    });
    expect(out.status).toBe(204);
    await h.intake(sampleRequest());
    await s.next((e) => e.event === 'session-ended', 'session-ended');
    await s.ended();
  });
});

describe('shutdown', () => {
  it('open streams are ended, so the server stops instead of waiting for them', async () => {
    const own = await startPeopleHarness();
    const a = await openEventStream(own.url, bearer(tokens.operator));
    const b = await openEventStream(own.url, bearer(tokens.intake));
    await a.next(isReady, 'ready (a)');
    await b.next(isReady, 'ready (b)');
    await own.close();
    await a.ended();
    await b.ended();
    await expect(a.next(() => true, 'anything after the end')).rejects.toThrow(/ended/);
  });
});
