/**
 * One GitLab project's repository in memory: commits (each a full snapshot of the tree, with a sha
 * derived from its parent and content, so a seed gives the same shas on every run), branches and tags,
 * and ref resolution as git does it — a branch or tag name first, then a full or unique abbreviated sha.
 */
import { createHash } from 'node:crypto';
import { SimulatorError } from '../common/simulator-error.js';

export interface GitLabCommit {
  sha: string;
  parent: string | null;
  message: string;
  createdAt: Date;
}

export interface GitLabCommitOptions {
  message?: string;
  /** Branch to commit on (created from the default branch when new). Default `main`. */
  branch?: string;
  /** Tag the new commit with this name (e.g. the SVN-style revision a release names). */
  tag?: string;
}

/** A commit or ref the repository cannot take. */
export class GitLabRepositoryError extends SimulatorError<'GITLAB_REPOSITORY'> {
  constructor(message: string) {
    super('GITLAB_REPOSITORY', message);
  }
}

interface StoredCommit extends GitLabCommit {
  tree: ReadonlyMap<string, Uint8Array>;
}

/**
 * A project as plain JSON: each commit's tree names its files by blob id (the blobs are kept once, by
 * the caller, since every commit holds the whole tree); dates in ISO 8601.
 */
export interface GitLabProjectSnapshot {
  id: number;
  pathWithNamespace: string;
  commits: Array<{
    sha: string;
    parent: string | null;
    message: string;
    createdAt: string;
    tree: Record<string, string>;
  }>;
  branches: Record<string, string>;
  tags: Record<string, string>;
}

export class GitLabProject {
  readonly defaultBranch = 'main';
  private readonly commitList: StoredCommit[] = [];
  private readonly branches = new Map<string, string>();
  private readonly tags = new Map<string, string>();

  constructor(
    readonly id: number,
    /** `path_with_namespace`, e.g. `dba/database_acc`. */
    readonly pathWithNamespace: string,
  ) {}

  /** Commit `changes` (path → content; `null` deletes); returns the new sha. */
  commit(
    changes: Readonly<Record<string, Uint8Array | string | null>>,
    options: GitLabCommitOptions = {},
  ): string {
    const branch = options.branch ?? this.defaultBranch;
    const parentSha = this.branches.get(branch) ?? this.branches.get(this.defaultBranch) ?? null;
    const parent = parentSha === null ? undefined : this.find(parentSha);
    const tree = new Map(parent?.tree ?? []);
    const hash = createHash('sha1').update(`${this.id}\n${parentSha ?? ''}\n${options.message ?? ''}\n`);
    for (const [rawPath, content] of Object.entries(changes)) {
      const path = normalizeFilePath(rawPath);
      if (content === null) {
        if (!tree.delete(path)) throw new GitLabRepositoryError(`${path} does not exist: nothing to delete`);
        hash.update(`D ${path}\n`);
        continue;
      }
      const bytes =
        typeof content === 'string' ? new TextEncoder().encode(content) : Uint8Array.from(content);
      tree.set(path, bytes);
      hash.update(`A ${path}\n`).update(bytes);
    }
    const sha = hash.digest('hex');
    this.commitList.push({
      sha,
      parent: parentSha,
      message: options.message ?? '',
      createdAt: new Date(),
      tree,
    });
    this.branches.set(branch, sha);
    if (options.tag !== undefined) this.tag(options.tag, sha);
    return sha;
  }

  tag(name: string, ref: string): void {
    const sha = this.resolve(ref);
    if (sha === undefined) throw new GitLabRepositoryError(`no commit ${ref} to tag as ${name}`);
    this.tags.set(name, sha);
  }

  /** The sha `ref` names: a branch, a tag, a full sha, or a unique abbreviation of at least 4 digits. */
  resolve(ref: string): string | undefined {
    const named = this.branches.get(ref) ?? this.tags.get(ref);
    if (named !== undefined) return named;
    if (!/^[0-9a-f]{4,40}$/i.test(ref)) return undefined;
    const matches = this.commitList.filter((c) => c.sha.startsWith(ref.toLowerCase()));
    return matches.length === 1 ? matches[0]!.sha : undefined;
  }

  /** The file's bytes at `sha`; undefined when the commit does not hold it. */
  file(sha: string, path: string): Uint8Array | undefined {
    return this.find(sha)?.tree.get(path);
  }

  commits(): GitLabCommit[] {
    return this.commitList.map(({ tree: _tree, ...c }) => ({ ...c }));
  }

  /** Plain JSON of the project; `blobId` stores a file's bytes once and answers its id. */
  snapshot(blobId: (bytes: Uint8Array) => string): GitLabProjectSnapshot {
    return {
      id: this.id,
      pathWithNamespace: this.pathWithNamespace,
      commits: this.commitList.map((c) => ({
        sha: c.sha,
        parent: c.parent,
        message: c.message,
        createdAt: c.createdAt.toISOString(),
        tree: Object.fromEntries([...c.tree].map(([path, bytes]) => [path, blobId(bytes)])),
      })),
      branches: Object.fromEntries(this.branches),
      tags: Object.fromEntries(this.tags),
    };
  }

  /** A project continued from `snapshot()`; `blob` answers the bytes of a blob id. */
  static restore(snapshot: GitLabProjectSnapshot, blob: (id: string) => Uint8Array): GitLabProject {
    const project = new GitLabProject(snapshot.id, snapshot.pathWithNamespace);
    for (const c of snapshot.commits) {
      project.commitList.push({
        sha: c.sha,
        parent: c.parent,
        message: c.message,
        createdAt: new Date(c.createdAt),
        tree: new Map(Object.entries(c.tree).map(([path, id]) => [path, blob(id)])),
      });
    }
    for (const [name, sha] of Object.entries(snapshot.branches)) project.branches.set(name, sha);
    for (const [name, sha] of Object.entries(snapshot.tags)) project.tags.set(name, sha);
    return project;
  }

  private find(sha: string): StoredCommit | undefined {
    return this.commitList.find((c) => c.sha === sha);
  }
}

/** `a/b.sql` from `/a/b.sql`; throws on empty, `.` or `..` segments (GitLab refuses them too). */
export function normalizeFilePath(path: string): string {
  const trimmed = path.replace(/^\/+/, '');
  const segments = trimmed.split('/');
  if (trimmed === '' || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new GitLabRepositoryError(`"${path}" is not a file path`);
  }
  return segments.join('/');
}
