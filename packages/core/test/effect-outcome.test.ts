import { isSupersededEffect, ordersPollIsNews, type ReleaseEffect } from '@cdflow/core';
import { describe, expect, it } from 'vitest';

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
  it('is no news while every order is as the machine knew it and still waiting', () => {
    const known = [{ workflowId: 1, status: 'workflow_manreviewing' }];
    expect(ordersPollIsNews(known, [{ workflowId: 1, status: 'workflow_manreviewing' }])).toBe(false);
  });
  it('is news when a status changed', () => {
    expect(
      ordersPollIsNews(
        [{ workflowId: 1, status: 'workflow_manreviewing' }],
        [{ workflowId: 1, status: 'workflow_queuing' }],
      ),
    ).toBe(true);
  });
  it('is news when all finished or one failed, even as known (a release imported mid-stage)', () => {
    expect(
      ordersPollIsNews(
        [{ workflowId: 1, status: 'workflow_finish' }],
        [{ workflowId: 1, status: 'workflow_finish' }],
      ),
    ).toBe(true);
    expect(
      ordersPollIsNews(
        [
          { workflowId: 1, status: 'workflow_finish' },
          { workflowId: 2, status: 'workflow_exception' },
        ],
        [
          { workflowId: 1, status: 'workflow_finish' },
          { workflowId: 2, status: 'workflow_exception' },
        ],
      ),
    ).toBe(true);
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
