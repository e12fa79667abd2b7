import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryRepository } from '../src/store/delivery-repository.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { unpackJson } from '../src/store/packed-json.js';
import {
  type DecisionWrite,
  ReleaseRepository,
  RevisionConflictError,
} from '../src/store/release-repository.js';
import { moveDecision, newReleaseRow, nothingWritten } from './support/release-rows.js';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cdflow-store-'));
  store = openStore(join(dir, 'nested', 'data', 'cdflow.sqlite'));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const baseRelease = newReleaseRow('rel-1', {
  summary: '【A18】【升级】20230101_01',
  snapshot: { value: 'sqlPending' },
});

const emptyWrite = nothingWritten;

const decision = (expectedRevision: number, state: string, extra: Partial<DecisionWrite> = {}) =>
  moveDecision('rel-1', expectedRevision, state, extra, { value: state });

describe('the store', () => {
  it('creates the parent directory, runs in WAL mode and a busy timeout, and fsyncs the log itself', () => {
    expect(existsSync(join(dir, 'nested', 'data', 'cdflow.sqlite'))).toBe(true);
    expect(store.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    // NORMAL: SQLite syncs at checkpoints only; the store fsyncs the log after each durable commit.
    expect(store.sqlite.pragma('synchronous', { simple: true })).toBe(1);
    expect(store.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('applies its migrations once: opening the same file again keeps the data', () => {
    const repo = new ReleaseRepository(store);
    repo.createRelease(baseRelease, emptyWrite);
    store.close();
    store = openStore(join(dir, 'nested', 'data', 'cdflow.sqlite'));
    expect(new ReleaseRepository(store).getBySummary(baseRelease.summary)?.releaseId).toBe('rel-1');
  });

  it('refuses a decision written against a stale revision and writes none of it', () => {
    const repo = new ReleaseRepository(store);
    repo.createRelease(baseRelease, emptyWrite);
    repo.commitDecision(decision(1, 'sqlExecuting'));
    const stale = decision(1, 'fixing', {
      effects: [{ idempotencyKey: 'rel-1:x', type: 'jira.comment', payload: { type: 'jira.comment' } }],
    });
    expect(() => repo.commitDecision(stale)).toThrow(RevisionConflictError);
    const row = repo.getById('rel-1');
    expect(row?.state).toBe('sqlExecuting');
    expect(row?.revision).toBe(2);
    expect(repo.history('rel-1')).toHaveLength(1);
    expect(repo.effectsOf('rel-1')).toHaveLength(0);
  });

  it('queues an effect once per idempotency key while it is unfinished, and again after it finished', () => {
    const repo = new ReleaseRepository(store);
    repo.createRelease(baseRelease, emptyWrite);
    const effect = { idempotencyKey: 'rel-1:sql:a:h', type: 'archery.submitOrder', payload: { n: 1 } };
    repo.commitDecision({ releaseId: 'rel-1', ...emptyWrite, effects: [effect] });
    repo.commitDecision({ releaseId: 'rel-1', ...emptyWrite, effects: [effect] });
    expect(repo.effectsOf('rel-1')).toHaveLength(1);
    const first = repo.headEffect('rel-1')!;
    repo.markEffect(first.id, 'failed', { lastError: 'rejected' });
    repo.commitDecision({ releaseId: 'rel-1', ...emptyWrite, effects: [{ ...effect, payload: { n: 2 } }] });
    const rows = repo.effectsOf('rel-1');
    expect(rows.map((r) => [r.idempotencyKey, r.status])).toEqual([
      [`rel-1:sql:a:h#${first.id}`, 'failed'],
      ['rel-1:sql:a:h', 'pending'],
    ]);
    expect(repo.headEffect('rel-1')?.payload).toEqual({ n: 2 });
  });

  it('keeps each release’s queue in order when a decision finishes one effect and queues the next', () => {
    const repo = new ReleaseRepository(store);
    repo.createRelease(baseRelease, emptyWrite);
    repo.createRelease(
      { ...baseRelease, releaseId: 'rel-2', summary: 'other', issueKey: 'AC-2' },
      emptyWrite,
    );
    const effect = (key: string, n: number) => ({
      idempotencyKey: key,
      type: 'jira.comment',
      payload: { n },
    });
    const keys = (releaseId: string) => repo.pendingEffects(releaseId).map((r) => r.idempotencyKey);
    /** Finishes rel-1's effect `id` and queues `next` in the same write. */
    const finishAndQueue = (id: number, next: ReturnType<typeof effect>) =>
      repo.commitDecision({
        releaseId: 'rel-1',
        ...emptyWrite,
        completeEffect: { id, status: 'done' },
        effects: [next],
      });
    const [a] = repo.commitDecision({ releaseId: 'rel-1', ...emptyWrite, effects: [effect('a', 1)] }).queued;
    // Another release's later rows do not matter; the next effect is what the queue returns and stores.
    repo.commitDecision({ releaseId: 'rel-2', ...emptyWrite, effects: [effect('z', 9)] });
    store.resetStats();
    const { queued } = finishAndQueue(a!.id, effect('b', 2));
    expect(store.stats().statements).toBe(1);
    expect(queued.map((r) => [r.idempotencyKey, r.payload])).toEqual([['b', { n: 2 }]]);
    expect(repo.headEffect('rel-1')).toMatchObject({
      id: queued[0]!.id,
      idempotencyKey: 'b',
      payload: { n: 2 },
    });
    expect(repo.headEffect('rel-1')).toMatchObject({ status: 'pending', attempts: 0, lastError: null });

    // Two queued: finishing the first and queueing a third keeps the third after the second.
    repo.commitDecision({ releaseId: 'rel-1', ...emptyWrite, effects: [effect('c', 3)] });
    const head = repo.headEffect('rel-1')!;
    finishAndQueue(head.id, effect('d', 4));
    expect(keys('rel-1')).toEqual(['c', 'd']);
    // The next key already queued: queued once, as ever.
    const c = repo.headEffect('rel-1')!;
    finishAndQueue(c.id, effect('d', 5));
    expect(repo.pendingEffects('rel-1').map((r) => [r.idempotencyKey, r.payload])).toEqual([['d', { n: 4 }]]);
    expect(keys('rel-2')).toEqual(['z']);

    // A write that also records outcomes carried from earlier effects (completeEffects, lower ids, listed
    // after its own): the latest finished row takes the new effect, the others leave.
    const [e] = repo.commitDecision({ releaseId: 'rel-1', ...emptyWrite, effects: [effect('e', 6)] }).queued;
    const d = repo.headEffect('rel-1')!;
    const { queued: next } = repo.commitDecision({
      releaseId: 'rel-1',
      ...emptyWrite,
      completeEffect: { id: e!.id, status: 'done' },
      completeEffects: [{ id: d.id, status: 'done' }],
      effects: [effect('f', 7)],
    });
    expect(next.map((r) => [r.id, r.idempotencyKey])).toEqual([[e!.id, 'f']]);
    expect(repo.effectsOf('rel-1').map((r) => [r.id, r.idempotencyKey, r.status])).toEqual([
      [e!.id, 'f', 'pending'],
    ]);
  });

  it('keeps one timer per name: a new schedule replaces the due time', () => {
    const repo = new ReleaseRepository(store);
    repo.createRelease(baseRelease, emptyWrite);
    repo.commitDecision({
      releaseId: 'rel-1',
      ...emptyWrite,
      scheduleTimers: [{ name: 'poll', dueAt: 100, scheduleKey: 'k1' }],
    });
    repo.commitDecision({
      releaseId: 'rel-1',
      ...emptyWrite,
      scheduleTimers: [{ name: 'poll', dueAt: 500, scheduleKey: 'k2' }],
    });
    expect(repo.timersOf('rel-1').map((t) => [t.name, t.dueAt, t.scheduleKey])).toEqual([
      ['poll', 500, 'k2'],
    ]);
    expect(repo.dueTimers(499)).toHaveLength(0);
    repo.commitDecision({ releaseId: 'rel-1', ...emptyWrite, cancelTimers: ['poll'] });
    expect(repo.timersOf('rel-1')).toHaveLength(0);
  });

  it('deduplicates webhook deliveries by their derived key', () => {
    const deliveries = new DeliveryRepository(store);
    const input = {
      dedupeKey: 'AC-1:1700000000:status',
      webhookEvent: 'jira:issue_updated',
      issueKey: 'AC-1',
      delivery: {},
      rawSize: 10,
    };
    const first = deliveries.insert(input);
    expect(first).not.toBeNull();
    expect(deliveries.insert(input)).toBeNull();
    expect(deliveries.unprocessed().map((d) => d.id)).toEqual([first]);
    deliveries.finish(first!, 'unknown-issue', null);
    expect(deliveries.unprocessed()).toHaveLength(0);
    expect(deliveries.get(first!)?.outcome).toBe('unknown-issue');
  });
});

const request = { summary: baseRelease.summary, version: '1.1.1', sql: [{ sqlId: 'a', sql: 'select 1;' }] };
const withRequest = (state: string, body: unknown = request) => ({
  value: state,
  context: { request: body },
});

/**
 * The snapshot column as stored on disk (what the request reference replaced), unpacked, with the
 * request it refers to as the store records it (its own column) and as the snapshot says.
 */
function storedSnapshot(releaseId = 'rel-1'): { text: string; ref: number | null } {
  const row = store.sqlite
    .prepare('select snapshot, request_id from releases where release_id = ?')
    .get(releaseId) as { snapshot: Uint8Array | string; request_id: number | null };
  expect(row.snapshot, 'the snapshot is stored packed').toBeInstanceOf(Uint8Array);
  const text = unpackJson(row.snapshot);
  const ref = (JSON.parse(text) as { context?: { request?: { storedRequestId?: number } } }).context?.request
    ?.storedRequestId;
  expect(row.request_id).toBe(ref ?? null);
  return { text, ref: row.request_id };
}

function createWithRequest(repo: ReleaseRepository) {
  return repo.createRelease(
    { ...baseRelease, snapshot: withRequest('sqlPending') },
    { ...emptyWrite, request: { iteration: 1, by: 'release-system', body: request } },
  );
}

describe('the store counts what it does', () => {
  it('statements, commits (fsync’d apart) and bytes appended to the WAL', async () => {
    const repo = new ReleaseRepository(store);
    store.resetStats();
    repo.createRelease(baseRelease, emptyWrite);
    const created = store.stats();
    expect(created).toMatchObject({ commits: 1, durableCommits: 1 });
    expect(created.statements).toBeGreaterThanOrEqual(1);
    expect(created.walBytes).toBeGreaterThan(0);
    repo.commitDecision({ ...decision(1, 'sqlExecuting'), durable: false });
    repo.getById('rel-1');
    await store.settled();
    const after = store.stats();
    expect(after.commits).toBe(2);
    expect(after.durableCommits).toBe(1);
    expect(after.statements).toBeGreaterThan(created.statements + 1);
    expect(after.walBytes).toBeGreaterThan(created.walBytes!);
  });

  it('prepares a statement once, however often it runs', () => {
    const repo = new ReleaseRepository(store);
    repo.createRelease(baseRelease, emptyWrite);
    repo.getById('rel-1');
    store.resetStats();
    for (let i = 0; i < 20; i++) repo.getById('rel-1');
    expect(store.stats()).toMatchObject({ statements: 20, prepared: 0, commits: 0 });
  });
});

describe('group commit: the writes of one turn of the event loop are one transaction', () => {
  const file = () => join(dir, 'nested', 'data', 'cdflow.sqlite');
  /** What another connection (another process, or the file after a kill -9) reads: committed rows only. */
  const committedState = () => {
    const other = new Database(file(), { readonly: true });
    try {
      return (
        other.prepare("select state from releases where release_id = 'rel-1'").get() as
          | { state: string }
          | undefined
      )?.state;
    } finally {
      other.close();
    }
  };

  /** A release just created, the store's counters from then on, and its first move written `durable`. */
  const movedOnce = (durable: DecisionWrite['durable']) => {
    const repo = new ReleaseRepository(store);
    repo.createRelease(baseRelease, emptyWrite);
    store.resetStats();
    repo.commitDecision({ ...decision(1, 'sqlExecuting'), durable });
    return repo;
  };
  /** The state the file has, and what the store counted. */
  const expectOnFile = (state: string, stats: Partial<ReturnType<Store['stats']>>) => {
    expect(committedState()).toBe(state);
    expect(store.stats()).toMatchObject(stats);
  };

  it('commits the non-durable writes of a turn together when the turn ends, without an fsync', async () => {
    const repo = movedOnce(false);
    repo.commitDecision({ ...decision(2, 'codeExecuting'), durable: false });
    // This connection reads its own writes; the file does not have them yet.
    expect(repo.getById('rel-1')?.state).toBe('codeExecuting');
    expectOnFile('sqlPending', { commits: 0, durableCommits: 0 });
    await store.settled();
    expectOnFile('codeExecuting', { commits: 1, durableCommits: 0 });
  });

  it('a durable write commits and fsyncs the turn so far at once, before it returns', () => {
    const repo = movedOnce(false);
    repo.commitDecision(decision(2, 'codeExecuting'));
    expectOnFile('codeExecuting', { commits: 1, durableCommits: 1 });
  });

  it('a write outside any transaction commits durably with the turn so far, as it would alone', () => {
    movedOnce(false);
    store.resetStats();
    store.statement("update releases set summary = 'renamed' where release_id = 'rel-1'").run();
    expectOnFile('sqlExecuting', { commits: 1, durableCommits: 1 });
  });

  it('a write that fails undoes itself only: the others of its turn still commit', async () => {
    const repo = movedOnce(false);
    expect(() => repo.commitDecision({ ...decision(7, 'fixing'), durable: false })).toThrow(
      RevisionConflictError,
    );
    await store.settled();
    expect(committedState()).toBe('sqlExecuting');
    expect(repo.history('rel-1')).toHaveLength(1);
  });

  it('a batched write is committed and made durable by the flush that follows it', async () => {
    movedOnce('batched');
    expect(committedState()).toBe('sqlPending');
    expect(await store.flush()).toBe(true);
    expectOnFile('sqlExecuting', { commits: 2, durableCommits: 1 });
  });

  it('closing the store commits what its turn wrote', () => {
    movedOnce(false);
    store.close();
    expect(committedState()).toBe('sqlExecuting');
    store = openStore(file());
    expect(new ReleaseRepository(store).getById('rel-1')?.state).toBe('sqlExecuting');
  });
});

describe('the outbox', () => {
  const effect = (key: string, n = 1) => ({
    idempotencyKey: `rel-1:${key}`,
    type: `t.${key}`,
    payload: { n },
  });

  it('answers a write with the rows it queued, in order, so they run without being read back', () => {
    const repo = new ReleaseRepository(store);
    const created = repo.createRelease(baseRelease, { ...emptyWrite, effects: [effect('a'), effect('b')] });
    expect(created.revision).toBe(1);
    expect(created.queued.map((r) => [r.idempotencyKey, r.type, r.payload, r.status])).toEqual([
      ['rel-1:a', 't.a', { n: 1 }, 'pending'],
      ['rel-1:b', 't.b', { n: 1 }, 'pending'],
    ]);
    expect(repo.pendingEffects('rel-1')).toEqual(created.queued);
    // Already queued and unfinished: not queued again, so not answered.
    const again = repo.commitDecision({
      ...decision(1, 'sqlExecuting'),
      effects: [effect('a'), effect('c')],
    });
    expect(again.revision).toBe(2);
    expect(again.queued.map((r) => r.idempotencyKey)).toEqual(['rel-1:c']);
  });

  it('queues an effect decided again after it finished behind the others of its decision, in order', () => {
    const repo = new ReleaseRepository(store);
    const [first] = repo.createRelease(baseRelease, { ...emptyWrite, effects: [effect('a')] }).queued;
    repo.commitDecision({
      releaseId: 'rel-1',
      ...emptyWrite,
      completeEffect: { id: first!.id, status: 'done' },
    });
    const { queued } = repo.commitDecision({
      releaseId: 'rel-1',
      ...emptyWrite,
      effects: [effect('a', 2), effect('b')],
    });
    expect(queued.map((r) => [r.idempotencyKey, r.payload])).toEqual([
      ['rel-1:a', { n: 2 }],
      ['rel-1:b', { n: 1 }],
    ]);
    // The finished one left the outbox (its outcome is in the history); the new one runs again, in order.
    expect(repo.effectsOf('rel-1').map((r) => [r.idempotencyKey, r.status])).toEqual([
      ['rel-1:a', 'pending'],
      ['rel-1:b', 'pending'],
    ]);
  });

  it('finishes several rows in one write; done rows leave the outbox, failed ones keep their payload', () => {
    const repo = new ReleaseRepository(store);
    const { queued } = repo.createRelease(baseRelease, {
      ...emptyWrite,
      effects: [effect('a'), effect('b'), effect('c')],
    });
    const [a, b, c] = queued;
    repo.commitDecision({
      releaseId: 'rel-1',
      ...emptyWrite,
      completeEffects: [
        { id: a!.id, status: 'done' },
        { id: b!.id, status: 'failed', error: 'rejected' },
      ],
    });
    expect(repo.effectsOf('rel-1').map((r) => [r.idempotencyKey, r.status, r.lastError, r.payload])).toEqual([
      ['rel-1:b', 'failed', 'rejected', { n: 1 }],
      ['rel-1:c', 'pending', null, { n: 1 }],
    ]);
    expect(repo.pendingEffects('rel-1').map((r) => r.id)).toEqual([c!.id]);
    expect(repo.headEffect('rel-1')?.id).toBe(c!.id);
    repo.markEffect(c!.id, 'done');
    // Only the failed row's payload is left, for a person to retry it.
    expect(store.sqlite.prepare('select count(*) as n, count(payload) as p from outbox').get()).toEqual({
      n: 1,
      p: 1,
    });
    expect(repo.effectsOf('rel-1').map((r) => r.idempotencyKey)).toEqual(['rel-1:b']);
  });
});

describe('the request, stored once', () => {
  it('is kept in requests and referenced by the snapshot, which reads back whole', () => {
    const repo = new ReleaseRepository(store);
    createWithRequest(repo);
    const stored = storedSnapshot();
    expect(stored.ref).not.toBeNull();
    expect(stored.text).not.toContain('select 1;');
    expect(repo.getById('rel-1')?.snapshot).toEqual(withRequest('sqlPending'));
    expect(repo.find(baseRelease.summary)?.snapshot).toEqual(withRequest('sqlPending'));
    expect(repo.list({ limit: 10, offset: 0 }).rows[0]?.snapshot).toEqual(withRequest('sqlPending'));
    const lean = repo.getForDecision('rel-1');
    expect(lean).toEqual({
      releaseId: 'rel-1',
      issueKey: null,
      state: 'sqlPending',
      revision: 1,
      machineVersion: 1,
      snapshot: withRequest('sqlPending'),
    });
    expect(repo.getHead('rel-1')).toMatchObject({ releaseId: 'rel-1', state: 'sqlPending', revision: 1 });
  });

  it('keeps the reference through decisions that do not change the request', () => {
    const repo = new ReleaseRepository(store);
    createWithRequest(repo);
    const ref = storedSnapshot().ref;
    repo.commitDecision(decision(1, 'sqlExecuting', {}));
    // A fresh repository (as after a restart) finds the stored request through the snapshot it replaces.
    const fresh = new ReleaseRepository(store);
    fresh.commitDecision({
      ...decision(2, 'codeExecuting'),
      release: { ...decision(2, 'codeExecuting').release!, snapshot: withRequest('codeExecuting') },
    });
    expect(storedSnapshot().ref).toBe(ref);
    expect(repo.getById('rel-1')?.snapshot).toEqual(withRequest('codeExecuting'));
  });

  it('references the new request of a new iteration', () => {
    const repo = new ReleaseRepository(store);
    createWithRequest(repo);
    const first = storedSnapshot().ref;
    const next = { ...request, version: '1.1.2' };
    repo.commitDecision({
      ...decision(1, 'sqlPending'),
      release: { ...decision(1, 'sqlPending').release!, snapshot: withRequest('sqlPending', next) },
      request: { iteration: 2, by: 'release-system', body: next },
    });
    expect(storedSnapshot().ref).not.toBe(first);
    expect(repo.getById('rel-1')?.snapshot).toEqual(withRequest('sqlPending', next));
  });

  it('never loses a changed request written without `request`: it stays in the snapshot', () => {
    const repo = new ReleaseRepository(store);
    createWithRequest(repo);
    const changed = { ...request, version: '9.9.9' };
    repo.commitDecision({
      ...decision(1, 'sqlPending'),
      release: { ...decision(1, 'sqlPending').release!, snapshot: withRequest('sqlPending', changed) },
    });
    const stored = storedSnapshot();
    expect(stored.ref).toBeNull();
    expect(stored.text).toContain('9.9.9');
    expect(new ReleaseRepository(store).getById('rel-1')?.snapshot).toEqual(
      withRequest('sqlPending', changed),
    );
  });

  it('keeps the reference once the SQL files are read: the request with the texts is not stored again', () => {
    const awaiting = {
      summary: baseRelease.summary,
      version: '1.1.1',
      sql: [],
      sqlAwaitingText: [{ sqlId: 'a', seq: 1, svnPath: 'db/acc', svnFile: '01.sql', svnVersion: '7' }],
    };
    const text = { text: 'create table t_big (id int); -- '.padEnd(400, 'x'), hash: 'h1' };
    const sqlTexts = { 'db/acc/01.sql@7': text };
    const resolved = {
      ...awaiting,
      sql: [{ ...awaiting.sqlAwaitingText[0], sql: text.text, hash: text.hash }],
      sqlAwaitingText: [],
    };
    const repo = new ReleaseRepository(store);
    repo.createRelease(
      { ...baseRelease, snapshot: { value: 'sqlPending', context: { request: awaiting } } },
      { ...emptyWrite, request: { iteration: 1, by: 'release-system', body: awaiting } },
    );
    const ref = storedSnapshot().ref;
    const read = { value: 'sqlPending', context: { request: resolved, sqlTexts } };
    repo.commitDecision({
      ...decision(1, 'sqlPending'),
      release: { ...decision(1, 'sqlPending').release!, snapshot: read },
    });
    const stored = storedSnapshot();
    expect(stored.ref).toBe(ref);
    // The SQL text is in the snapshot once (in sqlTexts), not a second time in the request.
    expect(stored.text.split('create table t_big').length - 1).toBe(1);
    expect(repo.getById('rel-1')?.snapshot).toEqual(read);
    expect(new ReleaseRepository(store).getById('rel-1')?.snapshot).toEqual(read);
    // A request that is not the stored one with these texts stays inline, whole.
    const other = { ...resolved, version: '2.0.0' };
    repo.commitDecision({
      ...decision(2, 'sqlPending'),
      release: {
        ...decision(2, 'sqlPending').release!,
        snapshot: { ...read, context: { ...read.context, request: other } },
      },
    });
    expect(storedSnapshot().ref).toBeNull();
    expect(new ReleaseRepository(store).getById('rel-1')?.snapshot).toEqual({
      ...read,
      context: { ...read.context, request: other },
    });
  });

  it('refuses to read a snapshot whose stored request is gone, rather than return it half', () => {
    const repo = new ReleaseRepository(store);
    createWithRequest(repo);
    store.sqlite.prepare('delete from requests').run();
    expect(() => new ReleaseRepository(store).getById('rel-1')).toThrow(
      expect.objectContaining({ code: 'STORE_REQUEST_MISSING' }),
    );
  });
});

describe('a webhook delivery', () => {
  it('is stored without the fields its columns hold, and reads back as it was written', () => {
    const deliveries = new DeliveryRepository(store);
    const delivery = {
      dedupeKey: 'f'.repeat(64),
      webhookEvent: 'jira:issue_updated',
      issueKey: 'AC-1',
      statusChange: { from: 'SQL待执行', to: 'SQL执行中' },
      user: 'dba',
      timestamp: 1_700_000_000_000,
    };
    const id = deliveries.insert({ ...delivery, delivery, rawSize: 2000 })!;
    const stored = store.sqlite.prepare('select delivery from webhook_deliveries where id = ?').get(id) as {
      delivery: string;
    };
    expect(stored.delivery).not.toContain('f'.repeat(64));
    expect(deliveries.get(id)?.delivery).toEqual(delivery);
    expect(deliveries.unprocessed()[0]?.delivery).toEqual(delivery);
    // A delivery that does not repeat its columns is kept as it is.
    const other = { hint: 'not a parsed delivery', $columns: 1 };
    const second = deliveries.insert({ ...delivery, dedupeKey: 'other', delivery: other, rawSize: 10 })!;
    expect(deliveries.get(second)?.delivery).toEqual(other);
  });
});

describe('the JSON a decision and a delivery store', () => {
  const columnTypes = () =>
    store.sqlite
      .prepare(
        `select (select typeof(detail) from audit) as audit, (select typeof(body) from requests) as request,
          (select typeof(delivery) from webhook_deliveries) as delivery,
          (select typeof(detail) from webhook_deliveries) as outcome`,
      )
      .get();

  it('is packed for the history and the deliveries (in fewer bytes than its text), text for requests, and reads back as written', () => {
    const repo = new ReleaseRepository(store);
    const detail = {
      event: { type: 'SQL_CHECKED', items: [{ sqlId: 'a', hash: 'b'.repeat(64), errors: [], warnings: [] }] },
      effect: { type: 'archery.checkSql', outcome: 'done', idempotencyKey: 'rel-1:i1:r6:archery.checkSql' },
      note: '中文说明',
    };
    const entry = {
      source: 'runner',
      actor: 'cdflow',
      event: 'SQL_CHECKED',
      fromState: null,
      accepted: true,
    };
    repo.createRelease(
      { ...baseRelease, snapshot: withRequest('sqlPending') },
      {
        ...emptyWrite,
        audit: [
          { ...entry, toState: 'sqlPending', detail },
          { ...entry, event: 'TIMER_FIRED', toState: 'sqlPending', detail: { timer: 'archery.poll' } },
        ],
        request: { iteration: 1, by: 'release-system', body: request },
      },
    );
    const deliveries = new DeliveryRepository(store);
    const id = deliveries.insert({
      dedupeKey: 'd'.repeat(64),
      webhookEvent: 'jira:issue_updated',
      issueKey: 'AC-1',
      delivery: { statusChange: null, user: 'dba' },
      rawSize: 900,
      processed: { outcome: 'no-status-change', detail: { issueKey: 'AC-1', user: 'dba' } },
    })!;

    expect(columnTypes()).toEqual({ audit: 'blob', request: 'text', delivery: 'blob', outcome: 'blob' });
    // The dedupe key (a SHA-256 in hex) is kept as its 32 bytes, the times as epoch milliseconds; both
    // read back as they were given.
    expect(
      store.sqlite
        .prepare(
          'select typeof(dedupe_key) as type, length(dedupe_key) as bytes, received_at from webhook_deliveries',
        )
        .get(),
    ).toEqual({ type: 'blob', bytes: 32, received_at: expect.stringMatching(/^\d{13}$/) });
    expect(deliveries.get(id)).toMatchObject({
      dedupeKey: 'd'.repeat(64),
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(deliveries.getByDedupeKey('d'.repeat(64))?.id).toBe(id);
    const sizes = store.sqlite.prepare('select length(detail) as packed from audit').get() as {
      packed: number;
    };
    expect(sizes.packed).toBeLessThan(Buffer.byteLength(JSON.stringify(detail)));
    expect(repo.history('rel-1').map((a) => a.detail)).toEqual([detail, { timer: 'archery.poll' }]);
    // A short detail stays text: packing it would save fewer bytes than the call costs.
    expect(store.sqlite.prepare('select typeof(detail) as type from audit order by seq').all()).toEqual([
      { type: 'blob' },
      { type: 'text' },
    ]);
    expect(repo.getById('rel-1')?.snapshot).toEqual(withRequest('sqlPending'));
    expect(deliveries.get(id)).toMatchObject({
      delivery: { statusChange: null, user: 'dba' },
      detail: { issueKey: 'AC-1', user: 'dba' },
    });
    // A delivery finished after its processing, and one that failed to be processed, too.
    const later = deliveries.insert({
      ...{ dedupeKey: 'e', webhookEvent: 'x', issueKey: 'AC-1' },
      delivery: {},
      rawSize: 1,
    })!;
    deliveries.recordAttempt(later, 1, 'Jira did not answer');
    expect(deliveries.get(later)?.detail).toEqual({ error: 'Jira did not answer' });
    deliveries.finish(later, 'in-sync', { issueKey: 'AC-1', current: 'SQL执行中' });
    expect(deliveries.get(later)?.detail).toEqual({ issueKey: 'AC-1', current: 'SQL执行中' });
    expect(deliveries.lastSeenStatus('AC-1')).toBe('SQL执行中');
  });

  it('finds the deliveries an older cdflow stored with hex keys and ISO times, and refuses them again', () => {
    const old = olderStore('hex-keys.sqlite', 10);
    const key = 'a1'.repeat(32);
    old
      .prepare(
        `insert into webhook_deliveries (dedupe_key, received_at, webhook_event, issue_key, delivery, raw_size,
          status, attempts, outcome, detail, processed_at)
         values (?, '2026-01-01T00:00:00.000Z', 'jira:issue_updated', 'AC-1', '{}', 10, 'received', 0, null, null, null)`,
      )
      .run(key);
    old.close();
    store.close();
    store = openStore(join(dir, 'hex-keys.sqlite'));
    const deliveries = new DeliveryRepository(store);
    expect(deliveries.getByDedupeKey(key)).toMatchObject({
      dedupeKey: key,
      receivedAt: '2026-01-01T00:00:00.000Z',
    });
    const again = {
      dedupeKey: key,
      webhookEvent: 'jira:issue_updated',
      issueKey: 'AC-1',
      delivery: {},
      rawSize: 10,
    };
    expect(deliveries.insert(again)).toBeNull();
  });

  it('reads back as it is where an older cdflow stored the history as text', () => {
    const old = olderStore('text-history.sqlite', 6);
    const at = '2026-01-01T00:00:00.000Z';
    insertOldRelease(old, { value: 'sqlPending' });
    old
      .prepare(
        `insert into audit (release_id, at, source, actor, event, from_state, to_state, accepted, detail)
         values ('rel-1', ?, 'intake', 'release-system', 'RELEASE_REQUESTED', null, 'sqlPending', 1, ?)`,
      )
      .run(at, JSON.stringify({ iteration: 1, dropped: [] }));
    old
      .prepare(
        `insert into webhook_deliveries (dedupe_key, received_at, webhook_event, issue_key, delivery, raw_size,
          status, attempts, outcome, detail, processed_at)
         values ('k', ?, 'jira:issue_updated', 'AC-1', ?, 10, 'processed', 0, 'in-sync', ?, ?)`,
      )
      .run(at, JSON.stringify({ $columns: 1, user: 'dba' }), JSON.stringify({ current: 'SQL执行中' }), at);
    old.close();

    store.close();
    store = openStore(join(dir, 'text-history.sqlite'));
    expect(columnTypes()).toEqual({ audit: 'text', request: null, delivery: 'text', outcome: 'text' });
    expect(new ReleaseRepository(store).history('rel-1').map((a) => a.detail)).toEqual([
      { iteration: 1, dropped: [] },
    ]);
    const deliveries = new DeliveryRepository(store);
    expect(deliveries.getByDedupeKey('k')).toMatchObject({
      delivery: { dedupeKey: 'k', webhookEvent: 'jira:issue_updated', issueKey: 'AC-1', user: 'dba' },
      detail: { current: 'SQL执行中' },
    });
    expect(deliveries.lastSeenStatus('AC-1')).toBe('SQL执行中');
  });
});

/** A new SQLite file with the migrations up to `lastIdx` applied, as an older cdflow left it. */
function olderStore(name: string, lastIdx: number): Database.Database {
  const folder = join(dir, `migrations-${lastIdx}`);
  const source = fileURLToPath(new URL('../drizzle', import.meta.url));
  cpSync(source, folder, { recursive: true });
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8'));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= lastIdx);
  writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  const old = new Database(join(dir, name));
  migrate(drizzle({ client: old }), { migrationsFolder: folder });
  return old;
}

/** Release rel-1 as an older cdflow wrote it, with `snapshot` as stored. */
function insertOldRelease(old: Database.Database, snapshot: unknown): void {
  const at = '2026-01-01T00:00:00.000Z';
  old
    .prepare(
      `insert into releases (release_id, summary, issue_key, project, jira_project, env, state, iteration,
        machine_version, snapshot, revision, created_at, updated_at)
       values ('rel-1', ?, 'AC-1', 'A18', 'AC', 'UAT', 'sqlPending', 1, 1, ?, 1, ?, ?)`,
    )
    .run(baseRelease.summary, JSON.stringify(snapshot), at, at);
}

describe('a database written before these migrations', () => {
  it('keeps the payloads of its unfinished and failed effects when they move back into the outbox rows', () => {
    const old = olderStore('payloads.sqlite', 5);
    const at = '2026-01-01T00:00:00.000Z';
    insertOldRelease(old, { value: 'sqlPending' });
    const insert = old.prepare(
      `insert into outbox (id, release_id, idempotency_key, type, payload, status, attempts, next_attempt_at,
        created_at, updated_at) values (?, 'rel-1', ?, 'jira.comment', null, ?, 0, 0, ?, ?)`,
    );
    insert.run(1, 'rel-1:a', 'failed', at, at);
    insert.run(2, 'rel-1:b', 'pending', at, at);
    old
      .prepare(`insert into outbox_payloads (outbox_id, payload) values (1, '{"n":1}'), (2, '{"n":2}')`)
      .run();
    old.close();

    store.close();
    store = openStore(join(dir, 'payloads.sqlite'));
    const repo = new ReleaseRepository(store);
    expect(repo.effectsOf('rel-1').map((r) => [r.idempotencyKey, r.status, r.payload])).toEqual([
      ['rel-1:a', 'failed', { n: 1 }],
      ['rel-1:b', 'pending', { n: 2 }],
    ]);
    expect(
      store.sqlite.prepare("select count(*) as n from sqlite_schema where name = 'outbox_payloads'").get(),
    ).toEqual({ n: 0 });
  });

  it('is migrated in place: inline requests and outbox payloads still read, and run', () => {
    const legacy = join(dir, 'legacy.sqlite');
    const old = olderStore('legacy.sqlite', 2);
    const at = '2026-01-01T00:00:00.000Z';
    insertOldRelease(old, withRequest('sqlPending'));
    old
      .prepare(
        `insert into outbox (release_id, idempotency_key, type, payload, status, attempts, next_attempt_at,
          created_at, updated_at) values ('rel-1', 'rel-1:issue', 'jira.ensureIssue', '{"n":1}', 'pending', 0, 0, ?, ?)`,
      )
      .run(at, at);
    old.close();

    store.close();
    store = openStore(legacy);
    const repo = new ReleaseRepository(store);
    expect(repo.getById('rel-1')?.snapshot).toEqual(withRequest('sqlPending'));
    const head = repo.headEffect('rel-1')!;
    expect(head.payload).toEqual({ n: 1 });
    repo.commitDecision({
      releaseId: 'rel-1',
      ...emptyWrite,
      completeEffect: { id: head.id, status: 'done' },
    });
    expect(repo.effectsOf('rel-1')).toHaveLength(0);
    expect(store.sqlite.pragma('page_size', { simple: true })).toBe(4096);
  });

  it('reads a snapshot stored as text that refers to its request, and packs it at the next write', () => {
    const old = olderStore('text-snapshots.sqlite', 6);
    old
      .prepare(
        `insert into requests (id, release_id, iteration, by, body, received_at)
         values (7, 'rel-1', 1, 'release-system', ?, '2026-01-01T00:00:00.000Z')`,
      )
      .run(JSON.stringify(request));
    insertOldRelease(old, withRequest('sqlPending', { storedRequestId: 7 }));
    old.close();

    store.close();
    store = openStore(join(dir, 'text-snapshots.sqlite'));
    const repo = new ReleaseRepository(store);
    expect(repo.getById('rel-1')?.snapshot).toEqual(withRequest('sqlPending'));
    expect(repo.getForDecision('rel-1')?.snapshot).toEqual(withRequest('sqlPending'));
    expect(store.sqlite.prepare('select typeof(snapshot) as type, request_id from releases').get()).toEqual({
      type: 'text',
      request_id: 7,
    });

    repo.commitDecision({
      releaseId: 'rel-1',
      ...emptyWrite,
      release: { ...decision(1, 'sqlExecuting').release!, snapshot: withRequest('sqlExecuting') },
    });
    expect(storedSnapshot().ref).toBe(7);
    expect(JSON.parse(storedSnapshot().text)).toEqual(withRequest('sqlExecuting', { storedRequestId: 7 }));
    expect(repo.getById('rel-1')?.snapshot).toEqual(withRequest('sqlExecuting'));
  });
});

describe('the history of releases at rest is folded', () => {
  const other = { ...baseRelease, releaseId: 'rel-2', summary: '【A18】【升级】20230101_02' };
  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      source: 'test',
      actor: 'tester',
      event: `E${i}`,
      fromState: 'sqlPending',
      toState: 'sqlPending',
      accepted: i % 2 === 0,
      detail: { n: i, text: `row ${i}` },
    }));
  const auditCount = () => (store.sqlite.prepare('select count(*) as n from audit').get() as { n: number }).n;

  it('into fewer rows, reading back the same history, in order, with new rows after it', () => {
    const repo = new ReleaseRepository(store);
    repo.createRelease(baseRelease, { ...emptyWrite, audit: rows(12) });
    repo.createRelease(other, { ...emptyWrite, audit: rows(1) });
    const before = repo.history('rel-1');
    const tail = repo.auditAfter(0, 1000);
    expect(before).toHaveLength(12);
    expect(repo.compactHistory(8, 100)).toBe(1);
    expect(auditCount()).toBe(1);
    expect(repo.history('rel-1')).toEqual(before);
    expect(repo.auditAfter(0, 1000)).toEqual(tail);
    expect(repo.auditAfter(tail[5]!.seq, 3).map((r) => r.seq)).toEqual(tail.slice(6, 9).map((r) => r.seq));
    // The newest row of the table stays: no seq is given twice.
    repo.commitDecision(decision(1, 'sqlExecuting'));
    const after = repo.history('rel-1');
    expect(after.slice(0, 12)).toEqual(before);
    expect(after[12]).toMatchObject({ event: 'E', toState: 'sqlExecuting' });
    expect(after[12]!.seq).toBeGreaterThan(tail.at(-1)!.seq);
  });

  it('not while the release has an effect queued or a timer armed, nor with fewer rows than asked', () => {
    const repo = new ReleaseRepository(store);
    repo.createRelease(baseRelease, {
      ...emptyWrite,
      audit: rows(12),
      effects: [{ idempotencyKey: 'rel-1:x', type: 'jira.comment', payload: { type: 'jira.comment' } }],
    });
    repo.createRelease(other, {
      ...emptyWrite,
      audit: rows(12),
      scheduleTimers: [{ name: 'archery.poll', dueAt: Date.now() + 60_000, scheduleKey: 'rel-2:t' }],
    });
    expect(repo.compactHistory(8, 100)).toBe(0);
    expect(repo.compactHistory(30, 100)).toBe(0);
    expect(auditCount()).toBe(24);
  });

  it('and the pages it frees go back to the file system', () => {
    const repo = new ReleaseRepository(store);
    const big = Array.from({ length: 300 }, (_, i) => ({
      ...rows(1)[0]!,
      detail: { i, pad: 'x'.repeat(400) },
    }));
    repo.createRelease(baseRelease, { ...emptyWrite, audit: big });
    repo.createRelease(other, { ...emptyWrite, audit: rows(1) });
    const pages = () => store.sqlite.pragma('page_count', { simple: true }) as number;
    const full = pages();
    expect(repo.compactHistory(8, 100)).toBe(1);
    expect(pages()).toBeLessThan(full / 2);
    expect(store.sqlite.pragma('freelist_count', { simple: true })).toBe(0);
    expect(repo.history('rel-1')).toHaveLength(300);
  });
});
