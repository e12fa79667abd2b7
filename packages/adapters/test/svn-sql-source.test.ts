import { decodeSqlText } from '@cdflow/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SvnSimulator, sqlSeedCommits, sqlSeedFiles } from '../../sandbox/src/svn/index.js';
import { UpstreamError } from '../src/http/index.js';
import { SvnSqlSource } from '../src/sql-source/index.js';
import { seedFileRef } from './support/seed-file-ref.js';
import {
  credentialsRefusal,
  fetchFailure,
  sqlSourceTuning,
  storeByRegionAt2001,
} from './support/sql-source-cases.js';

const route = 'GET /svn/*';
let sim: SvnSimulator;

beforeEach(async () => {
  sim = await SvnSimulator.start({ users: { cdflow: 'svn-pass-4711' } });
});
afterEach(async () => {
  await sim.close();
});

function source(options: { password?: string; retries?: number; baseUrl?: string } = {}): SvnSqlSource {
  return new SvnSqlSource({
    baseUrl: options.baseUrl ?? sim.url,
    user: 'cdflow',
    password: options.password ?? 'svn-pass-4711',
    ...sqlSourceTuning(options.retries),
  });
}

describe('SvnSqlSource against the SVN simulator', () => {
  it('reads every seed file at its revision, byte for byte, in one request each', async () => {
    const svn = source();
    expect(svn.kind).toBe('svn');
    let files = 0;
    for (const commit of sqlSeedCommits) {
      for (const f of commit.files) {
        const bytes = await svn.fetch(seedFileRef(f, commit.revision));
        expect(bytes).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(bytes).equals(Buffer.from(f.bytes)), f.svnFile).toBe(true);
        expect(decodeSqlText(bytes).text).toBe(f.text);
        files++;
      }
    }
    // No `r=` redirect, no retry: one call per file.
    expect(sim.counters.get(route)).toBe(files);
  });

  it('encodes each segment: the GB18030 file with a Chinese name decodes to its Chinese comment', async () => {
    const bytes = await source().fetch(seedFileRef(sqlSeedFiles.memberRemark, 3002));
    expect(decodeSqlText(bytes)).toEqual({
      text: sqlSeedFiles.memberRemark.text,
      encoding: 'gb18030',
      bom: false,
    });
  });

  it('reads the file as it was at the peg revision, not at HEAD', async () => {
    const f = sqlSeedFiles.storeRegion;
    sim.commit(`${f.svnPath}/${f.svnFile}`, "UPDATE store SET region = 'south' WHERE region = 'S';");
    sim.delete(`${f.svnPath}/${f.svnFile}`);
    const bytes = await source().fetch(seedFileRef(f, 2001));
    expect(Buffer.from(bytes).toString()).toBe(f.text);
    expect(Buffer.from(await source().fetch(seedFileRef(f, 3004))).toString()).toContain("'south'");
  });

  it('tolerates slashes around svn_path and svn_file', async () => {
    const f = sqlSeedFiles.memberPoints;
    const bytes = await source().fetch({
      svnPath: `/${f.svnPath}/`,
      svnFile: `/${f.svnFile}`,
      svnVersion: ' 3001 ',
    });
    expect(Buffer.from(bytes).toString()).toBe(f.text);
  });

  it('answers a file deleted by that revision with NOT_FOUND naming path/file@rev and svn, not retried', async () => {
    const err = await fetchFailure(source().fetch(seedFileRef(sqlSeedFiles.laboratoryScratch, 2001)));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', retryable: false, upstream: 'svn', status: 404 });
    expect(err.message).toContain('database_acc/db_a18/acc/00.acc_ddl_laboratory_scratch.sql@2001');
    expect(err.message).toContain(`svn (${sim.url})`);
    expect(err.message).toContain('not there at revision 2001');
    expect(sim.counters.get(route)).toBe(1);
  });

  it('answers a revision beyond the youngest with NOT_FOUND saying there is no such revision', async () => {
    const err = await fetchFailure(source().fetch(seedFileRef(sqlSeedFiles.storeByRegion, 9999)));
    expect(err).toMatchObject({ code: 'NOT_FOUND', retryable: false });
    expect(err.message).toContain('database_acc/db_a18/acc/01.acc_view_store_by_region.sql@9999');
    expect(err.message).toContain('no revision 9999 yet (No such revision 9999)');
    expect(err.message).toContain("Check the item's svn_version");
  });

  it('answers wrong credentials with UNAUTHORIZED naming SVN_USER and SVN_PASSWORD, never the password', async () => {
    const err = await credentialsRefusal(
      source({ password: 'wrong-password-99' }).fetch(storeByRegionAt2001),
      {
        check: 'Check SVN_USER and SVN_PASSWORD',
        secret: 'wrong-password-99',
        calls: () => sim.counters.get(route),
      },
    );
    expect(err.message).not.toContain(Buffer.from('cdflow:wrong-password-99').toString('base64'));
  });

  it('answers 403 (path access rules) with FORBIDDEN naming SVN_USER', async () => {
    sim.faults.inject({ route, status: 403, body: 'Forbidden', times: 1 });
    const err = await fetchFailure(source().fetch(storeByRegionAt2001));
    expect(err).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(err.message).toContain('grant the user read access');
    expect(err.message).toContain('SVN_USER');
  });

  it('retries a 503 and reads the file; fails retryably when 5xx persists', async () => {
    sim.faults.inject({ route, status: 503, times: 1 });
    const bytes = await source().fetch(storeByRegionAt2001);
    expect(Buffer.from(bytes).toString()).toBe(sqlSeedFiles.storeByRegion.text);
    expect(sim.requests().map((r) => r.status)).toEqual([503, 200]);
    sim.faults.inject({ route, status: 502 });
    const err = await fetchFailure(source({ retries: 1 }).fetch(storeByRegionAt2001));
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
  });

  it('fails retryably with NETWORK when SVN cannot be reached', async () => {
    const url = sim.url;
    await sim.close();
    const err = await fetchFailure(source({ baseUrl: url, retries: 0 }).fetch(storeByRegionAt2001));
    expect(err).toMatchObject({ code: 'NETWORK', retryable: true });
    sim = await SvnSimulator.start();
  });

  it('refuses a directory as a SQL file', async () => {
    const err = await fetchFailure(
      source().fetch({ svnPath: 'database_acc', svnFile: 'db_a18', svnVersion: '1201' }),
    );
    expect(err).toMatchObject({ code: 'NOT_FOUND', retryable: false });
    expect(err.message).toContain('database_acc/db_a18@1201 is a directory');
  });

  it('refuses, without asking SVN, an item with no revision number, no file or a ".." segment', async () => {
    const svn = source();
    const f = sqlSeedFiles.storeByRegion;
    for (const [ref, text] of [
      [seedFileRef(f, 'HEAD'), 'svn_version "HEAD" is not an SVN revision number'],
      [seedFileRef(f, ''), 'svn_version is empty'],
      [{ ...seedFileRef(f, 2001), svnFile: '' }, 'svn_file is empty'],
      [{ ...seedFileRef(f, 2001), svnPath: 'database_acc/../etc' }, '".." segments'],
    ] as const) {
      const err = await fetchFailure(svn.fetch(ref));
      expect(err.code).toBe('INVALID_REQUEST_ITEM');
      expect(err.retryable).toBe(false);
      expect(err.message).toContain(text);
    }
    expect(sim.counters.get(route)).toBe(0);
  });
});
