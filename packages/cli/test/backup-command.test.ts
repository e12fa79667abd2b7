import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, linkedBin, repoRoot, run, shellWord } from './support/cdflow-process.js';
import { type SandboxServer, startSandboxServer } from './support/sandbox-server.js';

let dir: string;
let dbPath: string;
let backups: string;
let sandbox: SandboxServer | undefined;
let firstRelease: string;
const firstSummary = '【A18】【升级】backup_20261201_01';

/** `npx cdflow backup …` from the repository root, as an operator types it beside the running server. */
function npxBackup(args: string[]) {
  const command = ['npx', '--no', 'cdflow', 'backup', ...args].map(shellWord).join(' ');
  return run('sh', ['-c', command], { cwd: repoRoot, env: { CDFLOW_DB: undefined } });
}

function readRelease(path: string, releaseId: string): { summary: string } | undefined {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT summary FROM releases WHERE release_id = ?').get(releaseId) as
      | { summary: string }
      | undefined;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'cdflow-backup-'));
  dbPath = join(dir, 'data', 'cdflow.sqlite');
  backups = join(dir, 'backups');
  mkdirSync(backups);
  sandbox = await startSandboxServer(dbPath);
  firstRelease = await sandbox.postRelease(firstSummary);
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cdflow backup <file>, while the server runs', () => {
  it('writes a consistent copy that better-sqlite3 opens and that holds the release, and says what it wrote', async () => {
    const server = sandbox!;
    const target = join(backups, 'cdflow-1.sqlite');
    // The server keeps writing while the backup runs: more releases arrive meanwhile.
    const meanwhile = Promise.all(
      [2, 3, 4, 5].map((n) => server.postRelease(`【A18】【升级】backup_20261201_0${n}`)),
    );
    const result = await npxBackup([target, '--db', dbPath]);
    await meanwhile;

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const said = /^wrote (.+): (\d+) bytes, (\d+) pages, (\d+) releases? \(online backup of (.+)\)\n$/.exec(
      result.stdout,
    );
    expect(said?.[1]).toBe(target);
    expect(said?.[5]).toBe(dbPath);
    expect(Number(said?.[2])).toBe(statSync(target).size);
    expect(Number(said?.[4])).toBeGreaterThanOrEqual(1);

    // One self-contained file: nothing beside it that a copy to another machine would forget.
    expect(existsSync(`${target}-wal`)).toBe(false);
    expect(existsSync(`${target}-shm`)).toBe(false);
    const copy = new Database(target, { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(Number(said?.[3])).toBe(copy.pragma('page_count', { simple: true }));
    } finally {
      copy.close();
    }
    expect(readRelease(target, firstRelease)).toEqual({ summary: firstSummary });

    // The server never noticed: it still answers.
    expect((await server.getRelease(firstRelease)).status).toBe(200);
  });

  it('refuses to overwrite an existing file (exit 2, file untouched) unless --force', async () => {
    const target = join(backups, 'existing.sqlite');
    writeFileSync(target, 'yesterday’s backup\n');
    const refused = await npxBackup([target, '--db', dbPath]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(`cdflow: ${target} already exists; pass --force to replace it\n`);
    expect(readFileSync(target, 'utf8')).toBe('yesterday’s backup\n');

    const forced = await npxBackup([target, '--db', dbPath, '--force']);
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(readRelease(target, firstRelease)).toEqual({ summary: firstSummary });
  });

  it('finds the database through CDFLOW_DB, else ./data/cdflow.sqlite in the working directory', async () => {
    const fromEnv = join(backups, 'from-env.sqlite');
    const viaEnv = await run('sh', ['-c', `npx --no cdflow backup ${shellWord(fromEnv)}`], {
      cwd: repoRoot,
      env: { CDFLOW_DB: dbPath },
    });
    expect(viaEnv.stderr).toBe('');
    expect(viaEnv.code).toBe(0);
    expect(readRelease(fromEnv, firstRelease)).toEqual({ summary: firstSummary });

    // From the server's directory (outside the repository: the linked bin by its path).
    const viaDefault = await run(linkedBin, ['backup', 'backups/default.sqlite'], {
      cwd: dir,
      env: { CDFLOW_DB: undefined },
    });
    expect(viaDefault.stderr).toBe('');
    expect(viaDefault.code).toBe(0);
    expect(viaDefault.stdout).toContain(`(online backup of ${dbPath})`);
    expect(readRelease(join(backups, 'default.sqlite'), firstRelease)).toEqual({ summary: firstSummary });
  });

  it('exits 2 naming the problem when there is no cdflow database to back up', async () => {
    const missing = join(dir, 'nowhere', 'cdflow.sqlite');
    const none = await npxBackup([join(backups, 'none.sqlite'), '--db', missing]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      `cdflow: no cdflow database at ${missing}: pass --db <path> or set CDFLOW_DB`,
    );

    const other = join(dir, 'other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    const notCdflow = await npxBackup([join(backups, 'other.sqlite'), '--db', other]);
    expect(notCdflow.code).toBe(2);
    expect(notCdflow.stderr).toContain("without cdflow's tables (no releases table)");
    expect(existsSync(join(backups, 'none.sqlite'))).toBe(false);
    expect(existsSync(join(backups, 'other.sqlite'))).toBe(false);
  });

  it('exits 1 and writes nothing when the copy fails its check (a corrupt database)', async () => {
    const corrupt = join(dir, 'corrupt.sqlite');
    const db = new Database(corrupt);
    db.exec('CREATE TABLE releases (release_id TEXT PRIMARY KEY, summary TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO releases VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(`r-${i}`, `release ${i} `.repeat(8));
    })();
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const pages = Number(db.pragma('page_count', { simple: true }));
    db.close();
    // Garbage over the b-tree page headers of every page but the first (the schema stays readable).
    const bytes = readFileSync(corrupt);
    for (let page = 1; page < pages; page++) bytes.fill(0xa5, page * pageSize, page * pageSize + 12);
    writeFileSync(corrupt, bytes);

    const target = join(backups, 'corrupt-copy.sqlite');
    const failed = await npxBackup([target, '--db', corrupt]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`cdflow: the copy of ${corrupt} fails SQLite's quick_check (`);
    expect(failed.stderr).toContain(`so the database itself is damaged; ${target} was not written`);
    expect(existsSync(target)).toBe(false);
    // Nor its temporary copy.
    expect(readdirSync(backups).filter((name) => name.includes('corrupt-copy'))).toEqual([]);
  });

  it('restores: stop the server, replace the file, remove -wal/-shm, start: the server answers the release', async () => {
    const backup = join(backups, 'before-restore.sqlite');
    const taken = await npxBackup([backup, '--db', dbPath]);
    expect(taken.code).toBe(0);
    // Written after the backup: the restored server must not know it.
    const later = await sandbox!.postRelease('【A18】【升级】backup_20261201_99');

    await sandbox!.stop();
    sandbox = undefined;
    // A backup of a stopped server's database leaves nothing beside it (no -wal/-shm owned by whoever
    // ran the backup, which the server might not be allowed to open).
    const beside = () => readdirSync(join(dir, 'data')).sort();
    const before = beside();
    expect((await npxBackup([join(backups, 'stopped.sqlite'), '--db', dbPath])).code).toBe(0);
    expect(beside()).toEqual(before);

    copyFileSync(backup, dbPath);
    rmSync(`${dbPath}-wal`, { force: true });
    rmSync(`${dbPath}-shm`, { force: true });
    sandbox = await startSandboxServer(dbPath);

    const restored = await sandbox.getRelease(firstRelease);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ releaseId: firstRelease, summary: firstSummary });
    expect((await sandbox.getRelease(later)).status).toBe(404);
  });
});
