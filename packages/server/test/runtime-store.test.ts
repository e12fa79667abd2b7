import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryRepository } from '../src/store/delivery-repository.js';
import { openStore, type Store } from '../src/store/open-store.js';
import {
  type DecisionWrite,
  ReleaseRepository,
  RevisionConflictError,
} from '../src/store/release-repository.js';

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

const baseRelease = {
  releaseId: 'rel-1',
  summary: '【A18】【升级】20230101_01',
  issueKey: null,
  project: 'A18',
  jiraProject: 'AC',
  env: 'UAT' as const,
  state: 'sqlPending',
  iteration: 1,
  machineVersion: 1,
  snapshot: { value: 'sqlPending' },
};

const emptyWrite = { audit: [], effects: [], scheduleTimers: [], cancelTimers: [] };

function decision(
  expectedRevision: number,
  state: string,
  extra: Partial<DecisionWrite> = {},
): DecisionWrite {
  return {
    releaseId: 'rel-1',
    release: {
      expectedRevision,
      state,
      iteration: 1,
      issueKey: 'AC-1',
      machineVersion: 1,
      snapshot: { value: state },
    },
    ...emptyWrite,
    audit: [{ source: 'test', actor: 'tester', event: 'E', fromState: null, toState: state, accepted: true }],
    ...extra,
  };
}

describe('the store', () => {
  it('creates the parent directory, runs in WAL mode with full fsync and a busy timeout', () => {
    expect(existsSync(join(dir, 'nested', 'data', 'cdflow.sqlite'))).toBe(true);
    expect(store.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.sqlite.pragma('synchronous', { simple: true })).toBe(2);
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
