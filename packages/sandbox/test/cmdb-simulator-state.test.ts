import { describe, expect, it } from 'vitest';
import { CmdbSimulator } from '../src/cmdb/index.js';
import { simulatorsClosedAfterEach } from './support/simulators-closed-after-each.js';

const simulators = simulatorsClosedAfterEach<CmdbSimulator>();

async function start(state?: unknown) {
  const sim = simulators.enlist(
    await CmdbSimulator.start({ taskDurationMs: 100, ...(state === undefined ? {} : { state }) }),
  );
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: {
        'access-token': sim.credentials.token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { sim, call };
}

async function ended(call: Awaited<ReturnType<typeof start>>['call'], taskId: string) {
  for (;;) {
    const task = await call('GET', `/api/v1/tasks/${taskId}`);
    if (task.body.status === 'success' || task.body.status === 'failed') return task.body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('CMDB state across a restart', () => {
  it('continues from a snapshot: targets and versions, deploys by request_id, upgrades, target ids', async () => {
    const first = await start();
    const consoleId = first.sim.targets().find((t) => t.name === 'UAT_a18_console')!.id;
    const deploy = { version: '1502', operator: 'cdflow', request_id: 'rel-1:deploy:console' };
    const accepted = await first.call('POST', `/api/v1/projects/${consoleId}/upgrade`, deploy);
    expect(accepted.status).toBe(202);
    expect(await ended(first.call, String(accepted.body.task_id))).toMatchObject({ status: 'success' });
    const running = await first.call('POST', `/api/v1/projects/${consoleId + 1}/upgrade`, {
      version: '7',
      operator: 'cdflow',
      request_id: 'rel-2:deploy:pro',
    });
    const upgraded = await first.call(
      'GET',
      `/api/project/upgrade/${consoleId + 2}?operation=upgrade&arg=1503&size=2000&page=1`,
    );
    expect(upgraded.body).toMatchObject({ code: 200, data: { status: '成功' } });
    const addedId = first.sim.addTarget({ name: 'UAT_a19_web', env: 'UAT', tag: 'V1', svnPath: 'a19/web' });
    const snapshot = JSON.parse(JSON.stringify(first.sim.snapshotState())) as unknown;
    expect(JSON.stringify(snapshot)).not.toContain(first.sim.credentials.token);

    const second = await start(snapshot);
    expect(second.sim.targets()).toEqual(first.sim.targets());
    expect(second.sim.targets().find((t) => t.id === consoleId)?.version).toBe('1502');
    // The same request_id answers the same task, never a second deploy.
    const again = await second.call('POST', `/api/v1/projects/${consoleId}/upgrade`, deploy);
    expect(again.body).toMatchObject({ task_id: accepted.body.task_id, status: 'success' });
    // A task running at the snapshot ends after the restart.
    expect(await ended(second.call, String(running.body.task_id))).toMatchObject({ status: 'success' });
    expect(second.sim.deploys()).toHaveLength(2);
    expect(second.sim.upgrades()).toEqual(first.sim.upgrades());
    expect(second.sim.targets().find((t) => t.id === consoleId + 2)?.version).toBe('1503');
    // Target ids continue after the last one.
    expect(second.sim.addTarget({ name: 'UAT_a19_api', env: 'UAT', tag: 'V1', svnPath: 'a19/api' })).toBe(
      addedId + 1,
    );
  });

  it('refuses a state that is not what snapshotState() answered, naming the field', async () => {
    await expect(CmdbSimulator.start({ state: { version: 1, targets: {} } })).rejects.toThrow(
      'CMDB simulator state: targets must be an array',
    );
    await expect(CmdbSimulator.start({ state: { version: 2 } })).rejects.toMatchObject({
      code: 'SIMULATOR_STATE_INVALID',
    });
  });
});
