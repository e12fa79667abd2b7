/**
 * What the Archery client reads for routing (a route's group, instance and the instance's databases)
 * and does for iterations (finding a release's orders by contained name, cancelling an order cdflow
 * submitted), against the Archery simulator.
 */
import { describe, expect, it } from 'vitest';
import { ArcherySimulator } from '../../sandbox/src/archery/index.js';
import { ArcheryClient } from '../src/archery/index.js';
import { UpstreamError } from '../src/http/index.js';
import { simulatorOfEachTest } from './support/simulator-of-each-test.js';

const archery = simulatorOfEachTest(() => ArcherySimulator.start({ executeDelayMs: 10 }));
const client = () =>
  new ArcheryClient({ baseUrl: archery.sim.url, ...archery.sim.credentials, timeoutMs: 2_000, retries: 1 });

describe('ArcheryClient: routes', () => {
  it('looks up a route: the group, the instance with its resource groups, its databases from the instance', async () => {
    const c = client();
    expect(await c.lookUpRoute({ groupName: 'A18', instanceName: 'report' })).toEqual({
      group: { id: 1, name: 'A18' },
      instance: { id: 2, name: 'report', defaultDbName: '', groupIds: [1, 2] },
      databases: ['report_a18', 'report_a19'],
    });
    // Absent ones are null, not errors: the caller names what is missing.
    expect(await c.lookUpRoute({ groupName: 'NOPE', instanceName: 'gone' })).toEqual({
      group: null,
      instance: null,
      databases: [],
    });
  });

  it("keeps an instance's databases for a while, then reads them again", async () => {
    const c = new ArcheryClient({ baseUrl: archery.sim.url, ...archery.sim.credentials, databasesTtlMs: 50 });
    await c.instanceDatabases('acc');
    await c.instanceDatabases('acc');
    expect(archery.sim.counters.get('POST /api/v1/instance/resource/')).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(await c.instanceDatabases('acc')).toEqual(['acc', 'acc_audit']);
    expect(archery.sim.counters.get('POST /api/v1/instance/resource/')).toBe(2);
  });
});

describe('ArcheryClient: orders of a release', () => {
  const order = (workflowName: string, sql: string) => ({
    workflowName,
    groupName: 'A18',
    instanceName: 'acc',
    dbName: 'acc',
    sql,
  });

  it('finds every order whose name contains a text, oldest first, whatever the numbering', async () => {
    const c = client();
    const a = await c.submitWorkOrder(order('【A18】release_01 #1/2', 'UPDATE t SET a = 1 WHERE id = 1;'));
    const b = await c.submitWorkOrder(order('【A18】release_01 #2/3', 'UPDATE t SET a = 2 WHERE id = 2;'));
    await c.submitWorkOrder(order('【A18】release_02 #1/1', 'UPDATE t SET a = 3 WHERE id = 3;'));
    const found = await c.findWorkOrdersContaining('【A18】release_01');
    expect(found.map((o) => [o.workflowId, o.workflowName])).toEqual([
      [a.workflowId, '【A18】release_01 #1/2'],
      [b.workflowId, '【A18】release_01 #2/3'],
    ]);
  });

  it('sends demand_url and is_backup with a submission, and reads finish_time back', async () => {
    const c = client();
    const o = await c.submitWorkOrder({
      ...order('【A18】release_03 #1/1', 'UPDATE t SET a = 1 WHERE id = 1;'),
      demandUrl: 'https://jira.example.test/browse/AC-7',
      isBackup: true,
    });
    expect(o.finishedAt).toBeNull();
    archery.sim.dba.pass(o.workflowId);
    archery.sim.dba.execute(o.workflowId, 'manual');
    const done = await c.getWorkOrder(o.workflowId);
    expect(done.status).toBe('workflow_finish');
    expect(typeof done.finishedAt).toBe('string');
  });

  it('cancels an order it submitted (workflow_abort); Archery refuses a second cancel', async () => {
    const c = client();
    const o = await c.submitWorkOrder(order('【A18】release_04 #1/1', 'UPDATE t SET a = 1 WHERE id = 1;'));
    await c.cancel(o.workflowId, 'cdflow: replaced by iteration 2');
    expect((await c.getWorkOrder(o.workflowId)).status).toBe('workflow_abort');
    const again = await c.cancel(o.workflowId, 'cdflow: again').catch((err: unknown) => err);
    expect(again).toBeInstanceOf(UpstreamError);
    expect((again as UpstreamError).retryable).toBe(false);
  });
});
