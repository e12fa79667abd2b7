import { describe, expect, it } from 'vitest';
import { GitLabSimulator } from '../src/gitlab/index.js';
import { simulatorsClosedAfterEach } from './support/simulators-closed-after-each.js';

const simulators = simulatorsClosedAfterEach<GitLabSimulator>();

async function start(state?: unknown) {
  const sim = simulators.enlist(await GitLabSimulator.start(state === undefined ? {} : { state }));
  const raw = async (projectId: number, path: string, ref: string) => {
    const res = await fetch(
      `${sim.url}/api/v4/projects/${projectId}/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(ref)}`,
      { headers: { 'private-token': sim.credentials.token } },
    );
    return { status: res.status, text: await res.text(), commit: res.headers.get('x-gitlab-commit-id') };
  };
  return { sim, raw };
}

describe('GitLab state across a restart', () => {
  it('continues from a snapshot: projects, commits with the same shas, branches and tags', async () => {
    const first = await start();
    const sha = first.sim.commit(7, { 'db_a18/acc/05.acc_new.sql': 'SELECT 5;' }, { tag: '4100' });
    const branchSha = first.sim.commit(
      7,
      { 'db_a18/acc/05.acc_new.sql': 'SELECT 55;' },
      { branch: 'hotfix' },
    );
    first.sim
      .addProject({ id: 9, pathWithNamespace: 'dba/database_report' })
      .commit({ 'r.sql': 'SELECT 9;' });
    const snapshot = JSON.parse(JSON.stringify(first.sim.snapshotState())) as unknown;
    expect(JSON.stringify(snapshot)).not.toContain(first.sim.credentials.token);

    const second = await start(snapshot);
    expect(second.sim.projectIds()).toEqual({ database_acc: 7, database_report: 9 });
    expect(second.sim.commits(7)).toEqual(first.sim.commits(7));
    expect(await second.raw(7, 'db_a18/acc/05.acc_new.sql', '4100')).toEqual({
      status: 200,
      text: 'SELECT 5;',
      commit: sha,
    });
    expect((await second.raw(7, 'db_a18/acc/05.acc_new.sql', 'hotfix')).text).toBe('SELECT 55;');
    expect((await second.raw(7, 'db_a18/acc/05.acc_new.sql', branchSha.slice(0, 8))).status).toBe(200);
    expect((await second.raw(7, 'db_a18/acc/02.acc_dml_store_region.sql', '2001')).text).toBe(
      "UPDATE store SET region = 'north' WHERE region = 'N';",
    );
    expect((await second.raw(9, 'r.sql', 'main')).text).toBe('SELECT 9;');
  });

  it('refuses a state whose tree names a blob it does not hold', async () => {
    await expect(
      GitLabSimulator.start({
        state: {
          version: 1,
          blobs: {},
          projects: [
            {
              id: 7,
              pathWithNamespace: 'dba/database_acc',
              commits: [
                { sha: 'a', parent: null, message: '', createdAt: '2024-01-01T00:00:00Z', tree: { x: 'b' } },
              ],
              branches: {},
              tags: {},
            },
          ],
        },
      }),
    ).rejects.toThrow('GitLab simulator state: projects[0].commits[0].tree.x must be a blob id of blobs');
  });
});
