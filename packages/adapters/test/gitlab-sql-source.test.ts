import { decodeSqlText } from '@cdflow/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitLabSimulator, gitlabRawFileRoute } from '../../sandbox/src/gitlab/index.js';
import { sqlSeedCommits, sqlSeedFiles } from '../../sandbox/src/svn/index.js';
import { UpstreamError } from '../src/http/index.js';
import { GitLabSqlSource } from '../src/sql-source/index.js';
import { seedFileRef } from './support/seed-file-ref.js';
import {
  credentialsRefusal,
  fetchFailure,
  sqlSourceTuning,
  storeByRegionAt2001,
} from './support/sql-source-cases.js';

let sim: GitLabSimulator;

beforeEach(async () => {
  sim = await GitLabSimulator.start({ token: 'glpat-sql-source-0001' });
});
afterEach(async () => {
  await sim.close();
});

function source(
  options: { token?: string; projects?: Record<string, number>; retries?: number } = {},
): GitLabSqlSource {
  return new GitLabSqlSource({
    baseUrl: sim.url,
    token: options.token ?? 'glpat-sql-source-0001',
    projects: options.projects ?? sim.projectIds(),
    ...sqlSourceTuning(options.retries),
  });
}

describe('GitLabSqlSource against the GitLab simulator', () => {
  it('reads every seed file by the tag a release names and by its commit sha', async () => {
    const gitlab = source();
    expect(gitlab.kind).toBe('gitlab');
    for (const commit of sqlSeedCommits) {
      const sha = sim.resolveRef(7, String(commit.revision))!;
      for (const f of commit.files) {
        for (const ref of [String(commit.revision), sha]) {
          const bytes = await gitlab.fetch(seedFileRef(f, ref));
          expect(Buffer.from(bytes).equals(Buffer.from(f.bytes)), `${f.svnFile}@${ref}`).toBe(true);
          expect(decodeSqlText(bytes).text).toBe(f.text);
        }
      }
    }
  });

  it('maps the first svn_path segment to the project and encodes the rest as one segment', async () => {
    const bytes = await source().fetch(seedFileRef(sqlSeedFiles.memberRemark, 3002));
    expect(decodeSqlText(bytes)).toMatchObject({ encoding: 'gb18030', text: sqlSeedFiles.memberRemark.text });
    const sha = sim.commit(7, { 'top.sql': 'SELECT 0;' });
    expect(
      Buffer.from(
        await source().fetch({ svnPath: 'database_acc', svnFile: 'top.sql', svnVersion: sha }),
      ).toString(),
    ).toBe('SELECT 0;');
    expect(sim.counters.get(gitlabRawFileRoute)).toBe(2);
  });

  it('refuses an unmapped repository naming it and GITLAB_PROJECTS, without asking GitLab', async () => {
    const err = await fetchFailure(
      source().fetch({ svnPath: 'database_pay/db/pay', svnFile: '01.sql', svnVersion: '1' }),
    );
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('repository "database_pay"');
    expect(err.message).toContain('GITLAB_PROJECTS (it maps database_acc)');
    expect(err.message).toContain('Add "database_pay": <project id> to GITLAB_PROJECTS');
    expect(sim.counters.get(gitlabRawFileRoute)).toBe(0);
  });

  it('refuses a project map with an id that is not a positive integer', () => {
    expect(() => source({ projects: { database_acc: 0 } })).toThrow(
      /GITLAB_PROJECTS: the GitLab project id of repository "database_acc"/,
    );
  });

  it('answers a missing file with NOT_FOUND naming path/file@ref and the project, not retried', async () => {
    const err = await fetchFailure(source().fetch(seedFileRef(sqlSeedFiles.laboratoryScratch, 2001)));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', retryable: false, upstream: 'gitlab', status: 404 });
    expect(err.message).toContain('database_acc/db_a18/acc/00.acc_ddl_laboratory_scratch.sql@2001');
    expect(err.message).toContain('GitLab project 7 (repository "database_acc" in GITLAB_PROJECTS)');
    expect((err as UpstreamError).body).toEqual({ message: '404 File Not Found' });
    expect(sim.counters.get(gitlabRawFileRoute)).toBe(1);
  });

  it('answers an unknown ref and an unknown project with NOT_FOUND saying what to check', async () => {
    const badRef = await fetchFailure(source().fetch(seedFileRef(sqlSeedFiles.storeByRegion, 'no-such-tag')));
    expect(badRef.message).toContain('has no commit, tag or branch "no-such-tag"');
    const badProject = await fetchFailure(
      source({ projects: { database_acc: 99 } }).fetch(storeByRegionAt2001),
    );
    expect(badProject.code).toBe('NOT_FOUND');
    expect(badProject.message).toContain('GitLab project 99');
    expect(badProject.message).toContain('is not a member of it');
  });

  it('answers a wrong token with UNAUTHORIZED naming GITLAB_TOKEN, never the token', async () => {
    await credentialsRefusal(source({ token: 'glpat-wrong-token-77' }).fetch(storeByRegionAt2001), {
      check: 'Check GITLAB_TOKEN',
      secret: 'glpat-wrong-token-77',
      calls: () => sim.counters.get(gitlabRawFileRoute),
    });
  });

  it('answers 403 with FORBIDDEN saying which scope the token needs', async () => {
    sim.faults.inject({
      route: gitlabRawFileRoute,
      status: 403,
      body: { message: '403 Forbidden' },
      times: 1,
    });
    const err = await fetchFailure(source().fetch(storeByRegionAt2001));
    expect(err).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(err.message).toContain('read_repository');
  });

  it('retries a 502 and reads the file', async () => {
    sim.faults.inject({ route: gitlabRawFileRoute, status: 502, times: 1 });
    const bytes = await source().fetch(storeByRegionAt2001);
    expect(Buffer.from(bytes).toString()).toBe(sqlSeedFiles.storeByRegion.text);
    expect(sim.requests().map((r) => r.status)).toEqual([502, 200]);
  });

  it('refuses an item with no ref or no svn_path, without asking GitLab', async () => {
    const f = sqlSeedFiles.storeByRegion;
    expect((await fetchFailure(source().fetch(seedFileRef(f, '')))).code).toBe('INVALID_REQUEST_ITEM');
    const noPath = await fetchFailure(source().fetch({ svnPath: '', svnFile: 'a.sql', svnVersion: 'main' }));
    expect(noPath.message).toContain('svn_path is empty');
    expect(sim.counters.get(gitlabRawFileRoute)).toBe(0);
  });
});
