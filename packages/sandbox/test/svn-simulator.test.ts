import { decodeSqlText } from '@cdflow/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SvnCommitError, SvnSimulator, sqlSeedCommits, sqlSeedFiles } from '../src/svn/index.js';

let sim: SvnSimulator;

beforeEach(async () => {
  sim = await SvnSimulator.start({ users: { cdflow: 'svn-secret', dba: 'dba-secret' } });
});
afterEach(async () => {
  await sim.close();
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Answer {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
  text: string;
}

async function get(path: string, auth: string | null = basic('cdflow', 'svn-secret')): Promise<Answer> {
  const res = await fetch(`${sim.url}${path}`, {
    headers: auth === null ? {} : { authorization: auth },
    redirect: 'manual',
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: Buffer.from(bytes).toString('utf8') };
}

/** The URL path of a seed file, each segment percent-encoded as a client must. */
const pathOf = (f: { svnPath: string; svnFile: string }) =>
  `/${[...f.svnPath.split('/'), f.svnFile].map(encodeURIComponent).join('/')}`;

describe('SVN simulator (mod_dav_svn)', () => {
  it('is mounted at /svn with the seed history: youngest 3003, first user as credentials', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/svn$/);
    expect(sim.youngest()).toBe(3003);
    expect(sim.credentials).toEqual({ user: 'cdflow', password: 'svn-secret' });
    expect(sim.log().map((e) => e.revision)).toEqual(sqlSeedCommits.map((c) => c.revision));
  });

  it('answers every seed file at its revision as raw text/plain bytes with an ETag', async () => {
    for (const commit of sqlSeedCommits) {
      for (const f of commit.files) {
        const res = await get(`${pathOf(f)}?p=${commit.revision}`);
        expect(res.status, f.svnFile).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/plain');
        expect(Buffer.from(res.bytes).equals(Buffer.from(f.bytes))).toBe(true);
        expect(res.headers.get('etag')).toBe(
          `"${commit.revision}//${encodeURI(`${f.svnPath}/${f.svnFile}`)}"`,
        );
        expect(decodeSqlText(res.bytes).text).toBe(f.text);
      }
    }
  });

  it('serves the GB18030 file with the Chinese name unchanged: its bytes are not UTF-8', async () => {
    const f = sqlSeedFiles.memberRemark;
    const res = await get(`${pathOf(f)}?p=3002`);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('会员备注'); // read as UTF-8 it is garbage
    expect(decodeSqlText(res.bytes)).toMatchObject({ encoding: 'gb18030', text: f.text });
  });

  it('serves the UTF-8 file with its BOM as stored', async () => {
    const res = await get(`${pathOf(sqlSeedFiles.memberRemarkFill)}?p=3003`);
    expect([...res.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('p is a peg revision: a file is there at every revision from its commit until its deletion', async () => {
    const scratch = pathOf(sqlSeedFiles.laboratoryScratch);
    expect((await get(`${scratch}?p=1201`)).status).toBe(200);
    expect((await get(`${scratch}?p=1999`)).status).toBe(200);
    expect((await get(`${pathOf(sqlSeedFiles.searchLaboratory)}?p=3003`)).status).toBe(200);
    const deleted = await get(`${scratch}?p=2001`);
    expect(deleted.status).toBe(404);
    expect(deleted.headers.get('content-type')).toBe('text/html; charset=iso-8859-1');
    expect(deleted.text).toContain('<title>404 Not Found</title>');
    const notYet = await get(`${pathOf(sqlSeedFiles.storeByRegion)}?p=1201`);
    expect(notYet.status).toBe(404);
    expect(notYet.text).toContain('The requested URL was not found on this server.');
  });

  it('without p answers HEAD (the youngest revision)', async () => {
    const rev = sim.commit(
      `${sqlSeedFiles.storeRegion.svnPath}/${sqlSeedFiles.storeRegion.svnFile}`,
      'SELECT 2;',
    );
    expect(rev).toBe(3004);
    expect((await get(pathOf(sqlSeedFiles.storeRegion))).text).toBe('SELECT 2;');
    expect((await get(`${pathOf(sqlSeedFiles.storeRegion)}?p=2001`)).text).toBe(
      sqlSeedFiles.storeRegion.text,
    );
  });

  it('answers a revision beyond the youngest with a DAV XML 404 (errcode 160006)', async () => {
    const res = await get(`${pathOf(sqlSeedFiles.storeByRegion)}?p=9999`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/xml; charset="utf-8"');
    expect(res.text).toContain('<D:error xmlns:D="DAV:"');
    expect(res.text).toContain('<m:human-readable errcode="160006">\nNo such revision 9999\n');
  });

  it('refuses a missing, wrong or unknown-user basic auth with 401 and WWW-Authenticate', async () => {
    for (const auth of [null, basic('cdflow', 'nope'), basic('ghost', 'svn-secret'), 'Bearer svn-secret']) {
      const res = await get(`${pathOf(sqlSeedFiles.storeByRegion)}?p=2001`, auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="cdflow sandbox Subversion"');
      expect(res.text).toContain('<title>401 Unauthorized</title>');
      expect(res.text).not.toContain('CREATE');
    }
    expect(
      (await get(`${pathOf(sqlSeedFiles.storeByRegion)}?p=2001`, basic('dba', 'dba-secret'))).status,
    ).toBe(200);
    sim.addUser('ops', 'ops-secret');
    expect(
      (await get(`${pathOf(sqlSeedFiles.storeByRegion)}?p=2001`, basic('ops', 'ops-secret'))).status,
    ).toBe(200);
  });

  it('redirects an older operative revision r to the canonical ?p= URL: 301 with p, 302 without', async () => {
    const path = pathOf(sqlSeedFiles.searchLaboratory);
    const permanent = await get(`${path}?p=3003&r=2001`);
    expect(permanent.status).toBe(301);
    expect(permanent.headers.get('location')).toBe(`${sim.url}${path}?p=2001`);
    const temporary = await get(`${path}?r=1201`);
    expect(temporary.status).toBe(302);
    expect(temporary.headers.get('location')).toBe(`${sim.url}${path}?p=1201`);
    // r equal to p is the resource itself; r above p, or a revision that is no number, is refused.
    expect((await get(`${path}?p=2001&r=2001`)).status).toBe(200);
    const above = await get(`${path}?p=1201&r=2001`);
    expect(above.status).toBe(400);
    expect(above.text).toContain('working rev greater than peg rev.');
    const bad = await get(`${path}?p=HEAD`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('invalid peg rev in query string');
    // Traced back to a revision before the file existed.
    const before = await get(`${pathOf(sqlSeedFiles.memberPoints)}?p=3003&r=2001`);
    expect(before.status).toBe(404);
    expect(before.text).toContain("path doesn't exist in that revision.");
  });

  it('decodes path segments one by one; an encoded slash is a 404 (Apache AllowEncodedSlashes Off)', async () => {
    const f = sqlSeedFiles.memberRemark;
    expect((await get(`${pathOf(f)}?p=3002`)).status).toBe(200);
    const joined = `/${encodeURIComponent(`${f.svnPath}/${f.svnFile}`)}?p=3002`;
    expect((await get(joined)).status).toBe(404);
  });

  it('answers svn:mime-type as the content type', async () => {
    const rev = sim.commit('database_acc/db_a18/acc/dump.bin', new Uint8Array([0, 1, 2]), {
      mimeType: 'application/octet-stream',
    });
    const res = await get(`/database_acc/db_a18/acc/dump.bin?p=${rev}`);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect([...res.bytes]).toEqual([0, 1, 2]);
  });

  it('lists a directory at a revision, and redirects it to its trailing slash', async () => {
    const listing = await get('/database_acc/db_a18/acc/?p=1201');
    expect(listing.status).toBe(200);
    expect(listing.text).toContain('Revision 1201: /database_acc/db_a18/acc/');
    expect(listing.text).toContain('00.acc_ddl_laboratory_scratch.sql');
    expect(listing.text).not.toContain('01.acc_member_points.sql');
    const noSlash = await get('/database_acc/db_a18?p=1201');
    expect(noSlash.status).toBe(301);
    expect(noSlash.headers.get('location')).toBe(`${sim.url}/database_acc/db_a18/?p=1201`);
  });

  it('commits and deletes at growing revisions; refuses a revision that does not grow', async () => {
    const path = 'database_acc/db_a19/report/01.report_ddl.sql';
    const added = sim.commit(path, 'CREATE TABLE r (id INT);', { revision: 4000, message: 'A19' });
    expect(added).toBe(4000);
    const removed = sim.delete(path);
    expect(removed).toBe(4001);
    expect((await get(`/${path}?p=4000`)).status).toBe(200);
    expect((await get(`/${path}?p=4001`)).status).toBe(404);
    expect(sim.cat(path, 4000)).toBeDefined();
    expect(sim.cat(path)).toBeUndefined();
    expect(() => sim.commit(path, 'x', { revision: 3999 })).toThrow(SvnCommitError);
    expect(() => sim.delete(path)).toThrow(/nothing to delete/);
    const both = sim.commitChanges([
      { path: 'a/one.sql', content: 'SELECT 1;' },
      { path: 'a/two.sql', content: 'SELECT 2;' },
    ]);
    expect(sim.log().at(-1)).toMatchObject({
      revision: both,
      changed: [
        { action: 'A', path: 'a/one.sql' },
        { action: 'A', path: 'a/two.sql' },
      ],
    });
  });

  it('starts empty with seed [] (every path 404, revision 0)', async () => {
    const empty = await SvnSimulator.start({ seed: [] });
    try {
      expect(empty.youngest()).toBe(0);
      const auth = basic(empty.credentials.user, empty.credentials.password);
      const res = await fetch(`${empty.url}/database_acc/x.sql?p=0`, { headers: { authorization: auth } });
      expect(res.status).toBe(404);
    } finally {
      await empty.close();
    }
  });

  it('counts calls, injects faults (5xx as an HTML page) and logs answered requests', async () => {
    sim.faults.inject({ route: 'GET /svn/*', status: 503, times: 1 });
    const path = `${pathOf(sqlSeedFiles.storeByRegion)}?p=2001`;
    const failed = await get(path);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('content-type')).toContain('text/html');
    expect((await get(path)).status).toBe(200);
    expect(sim.counters.get('GET /svn/*')).toBe(2);
    expect(sim.requests().map((r) => r.status)).toEqual([503, 200]);
  });
});
