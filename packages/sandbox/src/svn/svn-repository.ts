/**
 * An in-memory Subversion repository: one global revision number for the whole tree (as in SVN, a
 * project sees gaps where other paths changed), files added, changed or deleted at a revision, and the
 * tree as it was at any revision. Directories exist while they hold a file.
 */
import { SimulatorError } from '../common/simulator-error.js';

export interface SvnFileVersion {
  /** The revision that last changed the file (SVN's "created rev"), at or before the one asked for. */
  createdRevision: number;
  bytes: Uint8Array;
  /** `svn:mime-type`; undefined means text/plain. */
  mimeType: string | undefined;
}

export type SvnNode =
  | ({ kind: 'file' } & SvnFileVersion)
  | { kind: 'dir' /** Names directly inside, directories with a trailing `/`, sorted. */; entries: string[] };

export interface SvnLogEntry {
  revision: number;
  author: string;
  message: string;
  /** Paths changed: `A`dded/`M`odified/`D`eleted. */
  changed: Array<{ action: 'A' | 'M' | 'D'; path: string }>;
  date: Date;
}

export interface SvnChange {
  path: string;
  /** New content; `null` deletes the file. */
  content: Uint8Array | string | null;
  mimeType?: string;
}

export interface SvnCommitOptions {
  /** The revision to commit as; must be above the youngest (the revisions between changed other paths). */
  revision?: number;
  message?: string;
  author?: string;
}

/** A commit the repository cannot take (bad path, revision not above the youngest, nothing to delete). */
export class SvnCommitError extends SimulatorError<'SVN_COMMIT'> {
  constructor(message: string) {
    super('SVN_COMMIT', message);
  }
}

interface Entry {
  revision: number;
  bytes: Uint8Array | null;
  mimeType: string | undefined;
}

/** The repository as plain JSON (`SvnRepository.snapshot()`): bytes in base64, dates in ISO 8601. */
export interface SvnRepositorySnapshot {
  youngest: number;
  files: Array<{
    path: string;
    /** Oldest first; `bytes: null` is a deletion. */
    history: Array<{ revision: number; bytes: string | null; mimeType?: string }>;
  }>;
  log: Array<Omit<SvnLogEntry, 'date'> & { date: string }>;
}

/** `a/b/c.sql` from `/a/b/c.sql/`; throws on empty, `.` or `..` segments. */
export function normalizeSvnPath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  const segments = trimmed.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new SvnCommitError(`"${path}" is not a repository path (empty, "." or ".." segment)`);
    }
  }
  return segments.join('/');
}

export class SvnRepository {
  private readonly files = new Map<string, Entry[]>();
  private readonly logEntries: SvnLogEntry[] = [];
  private youngestRevision = 0;

  youngest(): number {
    return this.youngestRevision;
  }

  /** Apply `changes` as one commit; returns its revision. */
  commit(changes: readonly SvnChange[], options: SvnCommitOptions = {}): number {
    if (changes.length === 0) throw new SvnCommitError('a commit needs at least one change');
    const revision = options.revision ?? this.youngestRevision + 1;
    if (!Number.isInteger(revision) || revision <= this.youngestRevision) {
      throw new SvnCommitError(
        `revision ${revision} is not above the youngest revision ${this.youngestRevision}: revisions only grow`,
      );
    }
    const changed: SvnLogEntry['changed'] = [];
    const staged: Array<[string, Entry]> = [];
    for (const change of changes) {
      const path = normalizeSvnPath(change.path);
      if (path === '') throw new SvnCommitError('the repository root is not a file');
      const existing = this.node(path, this.youngestRevision);
      if (existing?.kind === 'dir') throw new SvnCommitError(`${path} is a directory`);
      if (change.content === null) {
        if (existing === undefined) throw new SvnCommitError(`${path} does not exist: nothing to delete`);
        staged.push([path, { revision, bytes: null, mimeType: undefined }]);
        changed.push({ action: 'D', path });
        continue;
      }
      const bytes =
        typeof change.content === 'string' ? new TextEncoder().encode(change.content) : change.content;
      staged.push([path, { revision, bytes: Uint8Array.from(bytes), mimeType: change.mimeType }]);
      changed.push({ action: existing === undefined ? 'A' : 'M', path });
    }
    for (const [path, entry] of staged) {
      const history = this.files.get(path) ?? [];
      history.push(entry);
      this.files.set(path, history);
    }
    this.youngestRevision = revision;
    this.logEntries.push({
      revision,
      author: options.author ?? 'cdflow-sandbox',
      message: options.message ?? '',
      changed,
      date: new Date(),
    });
    return revision;
  }

  /** The file or directory at `path` as it was at `revision`; undefined when it did not exist then. */
  node(path: string, revision: number): SvnNode | undefined {
    const normalized = normalizeSvnPath(path);
    const file = this.fileAt(normalized, revision);
    if (file) return { kind: 'file', ...file };
    const prefix = normalized === '' ? '' : `${normalized}/`;
    const entries = new Set<string>();
    for (const candidate of this.files.keys()) {
      if (!candidate.startsWith(prefix) || !this.fileAt(candidate, revision)) continue;
      const rest = candidate.slice(prefix.length);
      const slash = rest.indexOf('/');
      entries.add(slash < 0 ? rest : `${rest.slice(0, slash)}/`);
    }
    if (entries.size === 0 && normalized !== '') return undefined;
    return { kind: 'dir', entries: [...entries].sort() };
  }

  log(): SvnLogEntry[] {
    return this.logEntries.map((e) => ({ ...e, changed: [...e.changed] }));
  }

  snapshot(): SvnRepositorySnapshot {
    return {
      youngest: this.youngestRevision,
      files: [...this.files].map(([path, history]) => ({
        path,
        history: history.map((e) => ({
          revision: e.revision,
          bytes: e.bytes === null ? null : Buffer.from(e.bytes).toString('base64'),
          ...(e.mimeType === undefined ? {} : { mimeType: e.mimeType }),
        })),
      })),
      log: this.logEntries.map((e) => ({
        ...e,
        changed: e.changed.map((c) => ({ ...c })),
        date: e.date.toISOString(),
      })),
    };
  }

  /** Replace everything with a snapshot's content (the repository continues at its youngest revision). */
  restore(snapshot: SvnRepositorySnapshot): void {
    this.files.clear();
    for (const file of snapshot.files) {
      this.files.set(
        file.path,
        file.history.map((e) => ({
          revision: e.revision,
          bytes: e.bytes === null ? null : Uint8Array.from(Buffer.from(e.bytes, 'base64')),
          mimeType: e.mimeType,
        })),
      );
    }
    this.logEntries.splice(
      0,
      this.logEntries.length,
      ...snapshot.log.map((e) => ({
        ...e,
        changed: e.changed.map((c) => ({ ...c })),
        date: new Date(e.date),
      })),
    );
    this.youngestRevision = snapshot.youngest;
  }

  private fileAt(path: string, revision: number): SvnFileVersion | undefined {
    const history = this.files.get(path);
    if (!history) return undefined;
    let current: Entry | undefined;
    for (const entry of history) if (entry.revision <= revision) current = entry;
    if (!current || current.bytes === null) return undefined;
    return { createdRevision: current.revision, bytes: current.bytes, mimeType: current.mimeType };
  }
}
