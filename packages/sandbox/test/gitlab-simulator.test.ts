import { decodeSqlText } from '@cdflow/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitLabSimulator, gitlabRawFileRoute, gitlabSeedProjectIds } from '../src/gitlab/index.js';
import { sqlSeedCommits, sqlSeedFiles } from '../src/svn/index.js';

let sim: GitLabSimulator;

beforeEach(async () => {
  sim = await GitLabSimulator.start({ token: 'glpat-sandbox-token' });
});
afterEach(async () => {
  await sim.close();
});

interface Answer {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
  body: unknown;
}

async function raw(
  project: string | number,
  filePath: string,
  ref: string | null,
  headers: Record<string, string> = { 'private-token': 'glpat-sandbox-token' },
): Promise<Answer> {
  const query = ref === null ? '' : `?ref=${encodeURIComponent(ref)}`;
  const res = await fetch(
    `${sim.url}/api/v4/projects/${encodeURIComponent(String(project))}/repository/files/${encodeURIComponent(filePath)}/raw${query}`,
    { headers },
  );
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = Buffer.from(bytes).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, bytes, body };
}

/** The file path inside the repository: svn_path minus its first segment, plus svn_file. */
const inRepo = (f: { svnPath: string; svnFile: string }) =>
  `${f.svnPath.split('/').slice(1).join('/')}/${f.svnFile}`;

describe('GitLab simulator (repository files API)', () => {
  it('holds project 7 (dba/database_acc) with one commit per seed revision, tagged with it', () => {
    expect(sim.projectIds()).toEqual(gitlabSeedProjectIds);
    expect(sim.projectIds()).toEqual({ database_acc: 7 });
    const commits = sim.commits(7);
    expect(commits).toHaveLength(sqlSeedCommits.length);
    for (const [i, c] of sqlSeedCommits.entries()) {
      expect(sim.resolveRef(7, String(c.revision))).toBe(commits[i]!.sha);
    }
    expect(commits[0]!.sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it('answers every seed file at its tag, its sha and an abbreviated sha, as raw bytes', async () => {
    for (const commit of sqlSeedCommits) {
      const sha = sim.resolveRef(7, String(commit.revision))!;
      for (const f of commit.files) {
        for (const ref of [String(commit.revision), sha, sha.slice(0, 8)]) {
          const res = await raw(7, inRepo(f), ref);
          expect(res.status, `${f.svnFile}@${ref}`).toBe(200);
          expect(Buffer.from(res.bytes).equals(Buffer.from(f.bytes))).toBe(true);
          expect(res.headers.get('x-gitlab-commit-id')).toBe(sha);
        }
      }
    }
  });

  it('labels the GB18030 file text/plain; charset=utf-8 although its bytes are not UTF-8', async () => {
    const f = sqlSeedFiles.memberRemark;
    const res = await raw(7, inRepo(f), '3002');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(decodeSqlText(res.bytes)).toMatchObject({ encoding: 'gb18030', text: f.text });
  });

  it('reads a file at a later commit until it is deleted, and 404 File Not Found after', async () => {
    const f = sqlSeedFiles.laboratoryScratch;
    expect((await raw(7, inRepo(f), '1201')).status).toBe(200);
    expect(await raw(7, inRepo(f), '2001')).toMatchObject({
      status: 404,
      body: { message: '404 File Not Found' },
    });
    expect((await raw(7, inRepo(sqlSeedFiles.searchLaboratory), '3003')).status).toBe(200);
    expect((await raw(7, inRepo(sqlSeedFiles.searchLaboratory), 'main')).status).toBe(200);
  });

  it('answers 404 Commit Not Found for an unknown ref and 400 when ref is missing', async () => {
    const path = inRepo(sqlSeedFiles.storeByRegion);
    expect(await raw(7, path, 'deadbeef')).toMatchObject({
      status: 404,
      body: { message: '404 Commit Not Found' },
    });
    expect(await raw(7, path, null)).toMatchObject({ status: 400, body: { error: 'ref is missing' } });
  });

  it('answers 401 Unauthorized for a wrong token, and hides the project from an anonymous caller', async () => {
    const path = inRepo(sqlSeedFiles.storeByRegion);
    expect(await raw(7, path, '2001', { 'private-token': 'glpat-wrong' })).toEqual(
      expect.objectContaining({ status: 401, body: { message: '401 Unauthorized' } }),
    );
    expect(await raw(7, path, '2001', {})).toMatchObject({
      status: 404,
      body: { message: '404 Project Not Found' },
    });
    expect((await raw(7, path, '2001', { authorization: 'Bearer glpat-sandbox-token' })).status).toBe(200);
  });

  it('finds a project by its encoded path too; an unknown project is 404 Project Not Found', async () => {
    const path = inRepo(sqlSeedFiles.storeByRegion);
    expect((await raw('dba/database_acc', path, '2001')).status).toBe(200);
    expect(await raw(99, path, '2001')).toMatchObject({
      status: 404,
      body: { message: '404 Project Not Found' },
    });
  });

  it('needs the file path encoded as one segment: raw slashes match no route', async () => {
    const res = await fetch(
      `${sim.url}/api/v4/projects/7/repository/files/db_a18/acc/01.acc_member_points.sql/raw?ref=3001`,
      {
        headers: { 'private-token': 'glpat-sandbox-token' },
      },
    );
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: '404 Not Found' });
  });

  it('takes new commits on main and tags; a deleted file is gone at the new sha', async () => {
    const sha = sim.commit(7, { 'db_a18/acc/05.acc_new.sql': 'SELECT 5;' }, { message: 'new', tag: 'r-5' });
    expect(sim.resolveRef(7, 'main')).toBe(sha);
    expect(Buffer.from((await raw(7, 'db_a18/acc/05.acc_new.sql', 'r-5')).bytes).toString()).toBe(
      'SELECT 5;',
    );
    const gone = sim.commit(7, { 'db_a18/acc/05.acc_new.sql': null });
    expect((await raw(7, 'db_a18/acc/05.acc_new.sql', gone)).status).toBe(404);
    expect((await raw(7, 'db_a18/acc/05.acc_new.sql', sha)).status).toBe(200);
    const other = sim.addProject({ id: 8, pathWithNamespace: 'dba/database_report' });
    other.commit({ 'r.sql': 'SELECT 8;' });
    expect(sim.projectIds()).toEqual({ database_acc: 7, database_report: 8 });
  });

  it('counts the raw route, injects faults and logs the answers', async () => {
    sim.faults.inject({ route: gitlabRawFileRoute, status: 502, times: 1 });
    const path = inRepo(sqlSeedFiles.storeByRegion);
    expect((await raw(7, path, '2001')).status).toBe(502);
    expect((await raw(7, path, '2001')).status).toBe(200);
    expect(sim.counters.get(gitlabRawFileRoute)).toBe(2);
    expect(sim.requests().map((r) => r.status)).toEqual([502, 200]);
  });
});
