/**
 * GitLab's repository files API, the part a SQL source reads: `GET /api/v4/projects/{id}/repository/
 * files/{url-encoded path}/raw?ref={sha|tag|branch}` with `PRIVATE-TOKEN`, answering the raw bytes.
 * Refusals as GitLab words them: a wrong token 401 `{"message":"401 Unauthorized"}`; no token on a
 * private project 404 `{"message":"404 Project Not Found"}` (GitLab hides private projects); an unknown
 * ref 404 `404 Commit Not Found`; a missing file 404 `404 File Not Found`; no `ref` 400
 * `{"error":"ref is missing"}`; an unencoded `/` in the file path matches no route: 404
 * `{"error":"404 Not Found"}`.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SimulatorBase, type SimulatorShell, startTokenSimulator } from '../common/index.js';
import {
  type GitLabCommit,
  type GitLabCommitOptions,
  GitLabProject,
  normalizeFilePath,
} from './gitlab-project.js';
import { type GitLabSeedProject, gitlabSeedProjects } from './gitlab-seed.js';
import { type GitLabSimState, parseGitLabSimState } from './gitlab-sim-state.js';

export interface GitLabSimulatorOptions {
  host?: string;
  /** The personal access token to accept; random by default. */
  token?: string;
  /** Projects to start with; default `gitlabSeedProjects` (project 7, `dba/database_acc`). */
  projects?: readonly GitLabSeedProject[];
  /**
   * Continue from `snapshotState()` of an earlier simulator: its projects, commits (same shas), branches
   * and tags (then `projects` is ignored). The token is not saved.
   */
  state?: unknown;
}

export const gitlabRawFileRoute = 'GET /api/v4/projects/:id/repository/files/:file_path/raw';

/** `requests()`, `answerLate()`, `counters` and `faults` come from `SimulatorBase`. */
export class GitLabSimulator extends SimulatorBase {
  readonly credentials: { token: string };
  private readonly projectList: GitLabProject[];

  private constructor(shell: SimulatorShell, url: string, token: string, projects: GitLabProject[]) {
    super(url, shell);
    this.credentials = { token };
    this.projectList = projects;
  }

  static async start(options: GitLabSimulatorOptions = {}): Promise<GitLabSimulator> {
    const saved = options.state === undefined ? undefined : parseGitLabSimState(options.state);
    const projects: GitLabProject[] = saved
      ? saved.projects.map((p) =>
          GitLabProject.restore(p, (id) => Uint8Array.from(Buffer.from(saved.blobs[id]!, 'base64'))),
        )
      : [];
    for (const seed of saved ? [] : (options.projects ?? gitlabSeedProjects)) {
      const project = new GitLabProject(seed.id, `${seed.namespace}/${seed.repository}`);
      for (const c of seed.commits) {
        project.commit(c.changes, { message: c.message, ...(c.tag === undefined ? {} : { tag: c.tag }) });
      }
      projects.push(project);
    }
    return startTokenSimulator(
      options,
      { prefix: 'glpat-', bytes: 10 },
      registerRoutes,
      (shell, url, token) => new GitLabSimulator(shell, url, token, projects),
    );
  }

  /** Add an empty project; returns it (commit to it with `commit`). */
  addProject(input: { id: number; pathWithNamespace: string }): GitLabProject {
    if (this.projectList.some((p) => p.id === input.id)) throw new Error(`project ${input.id} exists`);
    const project = new GitLabProject(input.id, input.pathWithNamespace);
    this.projectList.push(project);
    return project;
  }

  /** Commit to a project (path → content, `null` deletes); returns the sha. */
  commit(
    projectId: number,
    changes: Readonly<Record<string, Uint8Array | string | null>>,
    options: GitLabCommitOptions = {},
  ): string {
    return this.requireProject(projectId).commit(changes, options);
  }

  /** The sha a ref (branch, tag, sha or abbreviation) names in a project. */
  resolveRef(projectId: number, ref: string): string | undefined {
    return this.requireProject(projectId).resolve(ref);
  }

  commits(projectId: number): GitLabCommit[] {
    return this.requireProject(projectId).commits();
  }

  /** Repository name (the project's path) → id: what the GitLab SQL source's `projects` option holds. */
  projectIds(): Record<string, number> {
    return Object.fromEntries(this.projectList.map((p) => [p.pathWithNamespace.split('/').pop()!, p.id]));
  }

  /** Plain JSON of every project (commits, branches, tags; file contents once each); start with `{ state }`. */
  snapshotState(): GitLabSimState {
    const blobs: Record<string, string> = {};
    const blobId = (bytes: Uint8Array) => {
      // git's blob id, so identical contents share one entry.
      const id = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
      blobs[id] ??= Buffer.from(bytes).toString('base64');
      return id;
    };
    const projects = this.projectList.map((p) => p.snapshot(blobId));
    return { version: 1, blobs, projects };
  }

  /** @internal */
  findProject(idOrPath: string): GitLabProject | undefined {
    return this.projectList.find((p) => String(p.id) === idOrPath || p.pathWithNamespace === idOrPath);
  }

  private requireProject(id: number): GitLabProject {
    const project = this.findProject(String(id));
    if (!project) throw new Error(`GitLab simulator has no project ${id}`);
    return project;
  }
}

function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers['private-token'];
  if (typeof header === 'string' && header !== '') return header;
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return bearer?.[1];
}

function registerRoutes(app: FastifyInstance, token: string, sim: () => GitLabSimulator): void {
  const message = (reply: FastifyReply, status: number, text: string) =>
    reply.code(status).send({ message: text });

  app.addHook('onRequest', async (request, reply) => {
    const pattern = request.routeOptions.url;
    if (pattern === undefined || pattern.startsWith('/__sim/')) return;
    const given = tokenOf(request);
    // A token that is not valid is refused on every route; no token at all is an anonymous caller.
    if (given !== undefined && given !== token) return message(reply, 401, '401 Unauthorized');
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: '404 Not Found' }));

  app.get<{ Params: { id: string; file_path: string }; Querystring: Record<string, string | undefined> }>(
    '/api/v4/projects/:id/repository/files/:file_path/raw',
    async (request, reply) => {
      const project = sim().findProject(request.params.id);
      // Projects are private: to an anonymous caller they do not exist.
      if (!project || tokenOf(request) === undefined) return message(reply, 404, '404 Project Not Found');
      const ref = request.query.ref;
      if (ref === undefined) return reply.code(400).send({ error: 'ref is missing' });
      if (ref === '') return reply.code(400).send({ error: 'ref is empty' });
      let path: string;
      try {
        path = normalizeFilePath(request.params.file_path);
      } catch {
        return reply.code(400).send({ error: 'file_path should be a valid file path' });
      }
      const sha = project.resolve(ref);
      if (sha === undefined) return message(reply, 404, '404 Commit Not Found');
      const bytes = project.file(sha, path);
      if (bytes === undefined) return message(reply, 404, '404 File Not Found');
      const name = path.split('/').pop()!;
      return (
        reply
          .code(200)
          .header('x-gitlab-file-path', encodeURI(path))
          .header('x-gitlab-ref', encodeURIComponent(ref))
          .header('x-gitlab-commit-id', sha)
          .header('x-gitlab-size', String(bytes.length))
          .header(
            'content-disposition',
            `inline; filename="${encodeURIComponent(name)}"; filename*=UTF-8''${encodeURIComponent(name)}`,
          )
          // GitLab labels text blobs UTF-8 whatever their bytes are: a client must decode them itself.
          .type(looksBinary(bytes) ? 'application/octet-stream' : 'text/plain; charset=utf-8')
          .send(Buffer.from(bytes))
      );
    },
  );
}

/** Git's heuristic: a NUL byte in the first 8000 bytes makes a blob binary. */
function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8000).includes(0);
}
