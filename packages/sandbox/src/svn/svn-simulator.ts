/**
 * A Subversion repository served over HTTP as Apache httpd with mod_dav_svn serves it (`<Location /svn>`
 * with `SVNPath`, `AuthType Basic`, `Require valid-user`): `GET /svn/{path}?p={rev}` answers the file as
 * it was at peg revision `rev` (raw bytes, `text/plain` unless `svn:mime-type` says otherwise); Apache's
 * HTML 404 when the path did not exist at that revision; mod_dav_svn's DAV XML 404 for a revision beyond
 * the youngest; 401 with `WWW-Authenticate: Basic` without valid credentials; `r=` (an operative revision
 * older than the peg) redirects to the canonical `?p=` URL, as mod_dav_svn's `parse_querystring` does.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SimulatorBase, type SimulatorShell, startSimulator } from '../common/index.js';
import { type SqlSeedCommit, sqlSeedCommits } from './sql-file-seed.js';
import {
  badRequestPage,
  davError,
  davErrorContentType,
  directoryListing,
  movedPage,
  notFoundPage,
  unauthorizedPage,
} from './svn-answers.js';
import { type SvnChange, type SvnCommitOptions, type SvnLogEntry, SvnRepository } from './svn-repository.js';
import { parseSvnSimState, type SvnSimState } from './svn-sim-state.js';

export interface SvnSimulatorOptions {
  host?: string;
  /** Basic-auth users (name → password). Default: `cdflow` with a random password. */
  users?: Record<string, string>;
  /** The `AuthName` sent in `WWW-Authenticate`. Default `cdflow sandbox Subversion`. */
  realm?: string;
  /** History to start with, oldest first. Default `sqlSeedCommits`; `[]` starts an empty repository. */
  seed?: readonly SqlSeedCommit[];
  /**
   * Continue from `snapshotState()` of an earlier simulator: every revision, file and log entry (then
   * `seed` is ignored). Users and passwords are not saved: they are this run's options.
   */
  state?: unknown;
}

/** Where the repository is mounted (`<Location /svn>`); `url` includes it. */
export const svnLocation = '/svn';

/** `requests()`, `answerLate()`, `counters` and `faults` come from `SimulatorBase`; the route is `GET /svn/*`. */
export class SvnSimulator extends SimulatorBase {
  /** The first user: what `SVN_USER`/`SVN_PASSWORD` are set to in the sandbox. */
  readonly credentials: { user: string; password: string };

  private constructor(
    shell: SimulatorShell,
    serverUrl: string,
    private readonly repository: SvnRepository,
    private readonly users: Map<string, string>,
  ) {
    // SVN_BASE_URL is the repository root, not the server root (the `/__sim/` control API stays there).
    super(`${serverUrl}${svnLocation}`, shell);
    const [user, password] = [...users][0]!;
    this.credentials = { user, password };
  }

  static async start(options: SvnSimulatorOptions = {}): Promise<SvnSimulator> {
    const users = new Map(
      Object.entries(options.users ?? { cdflow: `svn-sim-${randomBytes(9).toString('hex')}` }),
    );
    if (users.size === 0) throw new Error('SvnSimulator needs at least one user');
    const repository = new SvnRepository();
    const saved = options.state === undefined ? undefined : parseSvnSimState(options.state);
    if (saved) repository.restore(saved);
    for (const commit of saved ? [] : (options.seed ?? sqlSeedCommits)) {
      const changes: SvnChange[] = [
        ...commit.files.map((f) => ({ path: `${f.svnPath}/${f.svnFile}`, content: f.bytes })),
        ...(commit.deletes ?? []).map((path) => ({ path, content: null })),
      ];
      repository.commit(changes, { revision: commit.revision, message: commit.message });
    }
    const realm = options.realm ?? 'cdflow sandbox Subversion';
    return startSimulator(
      options.host,
      (app, current: () => SvnSimulator) => registerRoutes(app, current, { realm, users, repository }),
      (shell, url) => new SvnSimulator(shell, url, repository, users),
    );
  }

  /** Commit one file (bytes are stored as given; a string is stored as UTF-8). Returns the new revision. */
  commit(
    path: string,
    content: Uint8Array | string,
    options: SvnCommitOptions & { mimeType?: string } = {},
  ): number {
    const { mimeType, ...commitOptions } = options;
    return this.repository.commit(
      [{ path, content, ...(mimeType === undefined ? {} : { mimeType }) }],
      commitOptions,
    );
  }

  /** Commit several changes at one revision (`content: null` deletes). Returns the new revision. */
  commitChanges(changes: readonly SvnChange[], options: SvnCommitOptions = {}): number {
    return this.repository.commit(changes, options);
  }

  /** Delete a file; returns the revision of the deletion (the file is still there at earlier pegs). */
  delete(path: string, options: SvnCommitOptions = {}): number {
    return this.repository.commit([{ path, content: null }], options);
  }

  youngest(): number {
    return this.repository.youngest();
  }

  /** The file's bytes at `revision` (default the youngest); undefined when it did not exist then. */
  cat(path: string, revision = this.repository.youngest()): Uint8Array | undefined {
    const node = this.repository.node(path, revision);
    return node?.kind === 'file' ? node.bytes : undefined;
  }

  log(): SvnLogEntry[] {
    return this.repository.log();
  }

  addUser(user: string, password: string): void {
    this.users.set(user, password);
  }

  /** Plain JSON of the repository (revisions, files in base64, log); start with `{ state }` to continue. */
  snapshotState(): SvnSimState {
    return { version: 1, ...this.repository.snapshot() };
  }
}

function registerRoutes(
  app: FastifyInstance,
  sim: () => SvnSimulator,
  config: { realm: string; users: Map<string, string>; repository: SvnRepository },
): void {
  const { repository } = config;
  const host = (request: FastifyRequest) => request.headers.host ?? 'localhost';
  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=iso-8859-1').send(body);
  const dav = (reply: FastifyReply, status: number, message: string, errcode: number) =>
    reply.code(status).type(davErrorContentType).send(davError(message, errcode));

  app.addHook('onRequest', async (request, reply) => {
    const pattern = request.routeOptions.url;
    if (pattern === undefined || pattern.startsWith('/__sim/')) return;
    if (!authenticated(request.headers.authorization, config.users)) {
      reply.header('www-authenticate', `Basic realm="${config.realm}"`);
      return html(reply, 401, unauthorizedPage(host(request)));
    }
  });
  app.setNotFoundHandler((request, reply) => html(reply, 404, notFoundPage(host(request))));

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = request.raw.url ?? '/';
    const queryAt = raw.indexOf('?');
    const rawPath = (queryAt < 0 ? raw : raw.slice(0, queryAt)).slice(svnLocation.length);
    const query = new URLSearchParams(queryAt < 0 ? '' : raw.slice(queryAt + 1));
    const rawSegments = rawPath.split('/').filter((s) => s !== '');
    // Apache's AllowEncodedSlashes Off: an encoded slash in a path is a 404 before any module sees it.
    if (rawSegments.some((s) => /%2f/i.test(s))) return html(reply, 404, notFoundPage(host(request)));
    let segments: string[];
    try {
      segments = rawSegments.map((s) => decodeURIComponent(s));
    } catch {
      return html(reply, 400, badRequestPage(host(request)));
    }
    if (segments.some((s) => s === '.' || s === '..')) return html(reply, 400, badRequestPage(host(request)));
    const path = segments.join('/');
    const youngest = repository.youngest();

    const pegText = query.get('p');
    const workingText = query.get('r');
    const peg = pegText === null ? youngest : revisionNumber(pegText);
    if (peg === undefined) return dav(reply, 400, 'invalid peg rev in query string', 0);
    const working = workingText === null ? peg : revisionNumber(workingText);
    if (working === undefined) return dav(reply, 400, 'invalid working rev in query string', 0);
    if (working > peg) return dav(reply, 400, 'working rev greater than peg rev.', 0);
    if (peg > youngest) return dav(reply, 404, `No such revision ${peg}`, 160006);

    if (working < peg) {
      // Trace the node back from the peg to the operative revision and send the client to the
      // canonical peg-only URL: permanently when a peg was given, temporarily when it was HEAD.
      if (!repository.node(path, peg)) {
        return dav(reply, 404, `File not found: revision ${peg}, path '/${path}'`, 160013);
      }
      if (!repository.node(path, working)) return dav(reply, 404, "path doesn't exist in that revision.", 0);
      const location = `${sim().url}/${segments.map(encodeURIComponent).join('/')}?p=${working}`;
      const permanent = pegText !== null;
      reply.header('location', location);
      return html(reply, permanent ? 301 : 302, movedPage(location, permanent, host(request)));
    }

    const node = repository.node(path, peg);
    if (!node) return html(reply, 404, notFoundPage(host(request)));
    if (node.kind === 'dir') {
      if (!rawPath.endsWith('/')) {
        const location = `${sim().url}/${segments.map((s) => `${encodeURIComponent(s)}/`).join('')}${queryAt < 0 ? '' : raw.slice(queryAt)}`;
        reply.header('location', location);
        return html(reply, 301, movedPage(location, true, host(request)));
      }
      return reply
        .code(200)
        .type('text/html; charset=UTF-8')
        .send(
          directoryListing({ repositoryName: 'cdflow-sandbox', revision: peg, path, entries: node.entries }),
        );
    }
    return (
      reply
        .code(200)
        // mod_dav_svn's ETag is "<created rev>/<repository path>"; header values must be ASCII.
        .header('etag', `"${node.createdRevision}//${encodeURI(path)}"`)
        .header('accept-ranges', 'bytes')
        .type(node.mimeType ?? 'text/plain')
        .send(Buffer.from(node.bytes))
    );
  };

  app.get(svnLocation, serve);
  app.get(`${svnLocation}/*`, serve);
}

/** A revision number as mod_dav_svn reads one (digits only), or undefined. */
function revisionNumber(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function authenticated(header: string | undefined, users: Map<string, string>): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const password = users.get(decoded.slice(0, colon));
  return password !== undefined && password === decoded.slice(colon + 1);
}
