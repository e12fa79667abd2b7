import { describe, expect, it } from 'vitest';
import { SvnSimulator } from '../src/svn/index.js';
import { simulatorsClosedAfterEach } from './support/simulators-closed-after-each.js';

const simulators = simulatorsClosedAfterEach<SvnSimulator>();

async function start(state?: unknown) {
  const sim = simulators.enlist(await SvnSimulator.start(state === undefined ? {} : { state }));
  const get = async (path: string) => {
    const { user, password } = sim.credentials;
    const res = await fetch(`${sim.url}/${path}`, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      redirect: 'manual',
    });
    return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
  };
  return { sim, get };
}

describe('SVN state across a restart', () => {
  it('continues from a snapshot: every revision, bytes as committed, deletions, the youngest revision', async () => {
    const first = await start();
    const gb18030 = Uint8Array.from([0xbb, 0xe1, 0xd4, 0xb1]); // 会员 in GB18030: not UTF-8
    const added = first.sim.commit('database_acc/db_a18/acc/05.acc_gbk.sql', gb18030, { revision: 4100 });
    const removed = first.sim.delete('database_acc/db_a18/acc/05.acc_gbk.sql');
    const snapshot = JSON.parse(JSON.stringify(first.sim.snapshotState())) as unknown;
    expect(JSON.stringify(snapshot)).not.toContain(first.sim.credentials.password);

    const second = await start(snapshot);
    expect(second.sim.youngest()).toBe(removed);
    expect(second.sim.log()).toEqual(first.sim.log());
    const before = await second.get(`database_acc/db_a18/acc/05.acc_gbk.sql?p=${added}`);
    expect(before.status).toBe(200);
    expect(before.bytes).toEqual(gb18030);
    expect((await second.get(`database_acc/db_a18/acc/05.acc_gbk.sql?p=${removed}`)).status).toBe(404);
    // The seed's files are there at their revisions; a new commit continues after the youngest.
    const seedFile = await second.get('database_acc/db_a18/acc/02.acc_dml_store_region.sql?p=2001');
    expect(new TextDecoder().decode(seedFile.bytes)).toBe(
      "UPDATE store SET region = 'north' WHERE region = 'N';",
    );
    expect(second.sim.commit('database_acc/db_a18/acc/06.sql', 'SELECT 6;')).toBe(removed + 1);
  });

  it('refuses a state that is not what snapshotState() answered, naming the field', async () => {
    await expect(
      SvnSimulator.start({
        state: { version: 1, youngest: 1, files: [{ path: 'a', history: [{ revision: 9 }] }] },
      }),
    ).rejects.toThrow('SVN simulator state: files[0].history[0].revision must be at most youngest (1)');
  });
});
