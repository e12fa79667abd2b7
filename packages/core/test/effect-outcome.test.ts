import {
  type ArcheryStatus,
  isSupersededEffect,
  ordersPollIsNews,
  type ReleaseEffect,
  startRelease,
  tasksPollIsNews,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { normalizedFixture, settings } from './release-driver.js';

const move = (revision: number): ReleaseEffect => ({
  type: 'jira.moveTo',
  idempotencyKey: `rel:i1:r${revision}:jira.moveTo:configExecuting`,
  revision,
  state: 'configExecuting',
  via: 'sqlSucceeded',
});
const poll = (revision: number): ReleaseEffect => ({
  type: 'archery.pollOrders',
  idempotencyKey: `rel:i1:r${revision}:archery.pollOrders`,
  revision,
  workflowIds: [1],
  known: [{ workflowId: 1, status: 'workflow_manreviewing' }],
  everyMs: 5000,
});
const comment = (revision: number): ReleaseEffect => ({
  type: 'jira.comment',
  idempotencyKey: `rel:delivery:${revision}:comment`,
  revision,
  body: 'x',
});

describe('ordersPollIsNews', () => {
  const order = (workflowId: number, status: ArcheryStatus) => ({ workflowId, status });

  it('is no news while every order is as the machine knew it and still waiting', () => {
    const known = [order(1, 'workflow_manreviewing')];
    expect(ordersPollIsNews(known, [order(1, 'workflow_manreviewing')])).toBe(false);
  });
  it('is news when a status changed', () => {
    expect(ordersPollIsNews([order(1, 'workflow_manreviewing')], [order(1, 'workflow_queuing')])).toBe(true);
  });
  it('is news when all finished or one failed, even as known (a release imported mid-stage)', () => {
    expect(ordersPollIsNews([order(1, 'workflow_finish')], [order(1, 'workflow_finish')])).toBe(true);
    expect(
      ordersPollIsNews(
        [order(1, 'workflow_finish'), order(2, 'workflow_exception')],
        [order(1, 'workflow_finish'), order(2, 'workflow_exception')],
      ),
    ).toBe(true);
  });
});

describe('tasksPollIsNews (per target task)', () => {
  const task = (service: string, targetId: number, known: 'pending' | 'running') => ({
    service,
    targetId,
    attempt: 1,
    known,
  });
  const seen = (service: string, targetId: number, status: string) => ({
    service,
    targetId,
    attempt: 1,
    status,
  });

  it('is no news while every target task is as the machine knew it and its item still runs', () => {
    const known = [task('a18/console', 12, 'running'), task('a18/console', 13, 'pending')];
    expect(
      tasksPollIsNews(known, [seen('a18/console', 12, 'running'), seen('a18/console', 13, 'pending')]),
    ).toBe(false);
  });

  it('is news when one target of an item changed, even if its other targets did not', () => {
    const known = [task('a18/console', 12, 'running'), task('a18/console', 13, 'running')];
    expect(
      tasksPollIsNews(known, [seen('a18/console', 12, 'running'), seen('a18/console', 13, 'success')]),
    ).toBe(true);
    expect(
      tasksPollIsNews(known, [seen('a18/console', 12, 'failed'), seen('a18/console', 13, 'running')]),
    ).toBe(true);
  });

  it('tells targets apart: the same status on another target or attempt is news', () => {
    const known = [task('a18/console', 12, 'pending')];
    expect(tasksPollIsNews(known, [seen('a18/console', 13, 'pending')])).toBe(true);
    expect(tasksPollIsNews(known, [{ ...seen('a18/console', 12, 'pending'), attempt: 2 }])).toBe(true);
  });

  it('is news for a poll queued before tasks carried what the machine knew', () => {
    expect(
      tasksPollIsNews(
        [{ service: 'a18/console', targetId: 12, attempt: 1 }],
        [seen('a18/console', 12, 'running')],
      ),
    ).toBe(true);
  });

  it("is news when an item's polled tasks all ended, even as known", () => {
    const known = [{ service: 'a18/console', targetId: 12, attempt: 1, known: 'success' }];
    expect(tasksPollIsNews(known, [seen('a18/console', 12, 'success')])).toBe(true);
  });
});

describe('isSupersededEffect', () => {
  it('drops a move a later move overtakes, never one of the same decision', () => {
    expect(isSupersededEffect(move(3), [move(4)])).toBe(true);
    expect(isSupersededEffect(move(3), [move(3)])).toBe(false);
  });
  it('drops a move once a later decision set where Jira is', () => {
    expect(isSupersededEffect(move(3), [], { jiraMirrorSince: 4 })).toBe(true);
    expect(isSupersededEffect(move(3), [], { jiraMirrorSince: 3 })).toBe(false);
  });
  it("lets a waiting poll give way to a later decision's effects, not to a refusal's comment", () => {
    expect(isSupersededEffect(poll(5), [move(6)])).toBe(true);
    expect(isSupersededEffect(poll(5), [comment(0)])).toBe(false);
    expect(isSupersededEffect(poll(5), [])).toBe(false);
  });
});

describe('the first decision mirrors Jira as of its own revision', () => {
  it('a release without SQL keeps the moves of its first decision (they are not out of date)', () => {
    const request = normalizedFixture('first-upgrade.json', (body) => {
      body.sql_info = [];
      delete body.version;
    });
    const start = startRelease({ releaseId: 'rel-1', request, settings: settings() });
    const moves = start.effects.filter((e) => e.type === 'jira.moveTo');
    expect(moves.map((m) => (m.type === 'jira.moveTo' ? m.state : ''))).toEqual(['configExecuting']);
    for (const move of moves) {
      expect(isSupersededEffect(move, start.effects, start.context)).toBe(false);
    }
  });
});
