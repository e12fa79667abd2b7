/** The GitLab simulator's saved state (`snapshotState()`), and reading one back before continuing. */
import { SimulatorStateError, StateReader } from '../common/simulator-state-error.js';
import type { GitLabProjectSnapshot } from './gitlab-project.js';

export interface GitLabSimState {
  version: 1;
  /** File contents by blob id (git's blob sha-1), base64: each stored once for every commit holding it. */
  blobs: Record<string, string>;
  projects: GitLabProjectSnapshot[];
}

export function parseGitLabSimState(raw: unknown): GitLabSimState {
  const read = new StateReader('GitLab');
  const state = read.state(raw, 1);
  const blobs = read.recordOf(state.blobs, 'blobs', 'string');
  read.array(state.projects, 'projects').forEach((p, i) => {
    const project = read.record(p, `projects[${i}]`);
    read.integer(project.id, `projects[${i}].id`);
    read.string(project.pathWithNamespace, `projects[${i}].pathWithNamespace`);
    const shas = new Set<string>();
    read.array(project.commits, `projects[${i}].commits`).forEach((c, j) => {
      const commit = read.record(c, `projects[${i}].commits[${j}]`);
      shas.add(read.string(commit.sha, `projects[${i}].commits[${j}].sha`));
      if (commit.parent !== null) read.string(commit.parent, `projects[${i}].commits[${j}].parent`);
      read.string(commit.message, `projects[${i}].commits[${j}].message`);
      read.string(commit.createdAt, `projects[${i}].commits[${j}].createdAt`);
      const tree = read.record(commit.tree, `projects[${i}].commits[${j}].tree`);
      for (const [path, id] of Object.entries(tree)) {
        if (typeof id !== 'string' || !(id in blobs)) {
          throw new SimulatorStateError(
            'GitLab',
            `projects[${i}].commits[${j}].tree.${path}`,
            'a blob id of blobs',
          );
        }
      }
    });
    for (const refs of ['branches', 'tags'] as const) {
      const named = read.record(project[refs], `projects[${i}].${refs}`);
      for (const [name, sha] of Object.entries(named)) {
        if (typeof sha !== 'string' || !shas.has(sha)) {
          throw new SimulatorStateError(
            'GitLab',
            `projects[${i}].${refs}.${name}`,
            'the sha of one of its commits',
          );
        }
      }
    }
  });
  return state as unknown as GitLabSimState;
}
