/**
 * The GitLab projects the simulator starts with: the SQL seed files, the repository being the first
 * segment of their `svn_path` (`database_acc` → project 7) and the file path the rest plus `svn_file`.
 * Each seed commit is tagged with its SVN revision, so a release naming `svn_version: "2001"` reads the
 * same file from GitLab as from SVN (a ref may be a tag, a branch or a sha).
 */
import { type SqlSeedCommit, sqlSeedCommits } from '../svn/sql-file-seed.js';

export interface GitLabSeedProject {
  id: number;
  /** The repository name a release's `svn_path` starts with; also the project's path. */
  repository: string;
  /** The group the project lives in (its `path_with_namespace` is `namespace/repository`). */
  namespace: string;
  commits: ReadonlyArray<{
    message: string;
    tag?: string;
    changes: Readonly<Record<string, Uint8Array | null>>;
  }>;
}

/** Split the SQL seed by repository (first `svn_path` segment). */
export function gitlabProjectsFromSqlSeed(
  commits: readonly SqlSeedCommit[],
  ids: Readonly<Record<string, number>>,
  namespace = 'dba',
): GitLabSeedProject[] {
  return Object.entries(ids).map(([repository, id]) => {
    const inRepository = (path: string) => path.startsWith(`${repository}/`);
    const relative = (path: string) => path.slice(repository.length + 1);
    return {
      id,
      repository,
      namespace,
      commits: commits.flatMap((commit) => {
        const changes: Record<string, Uint8Array | null> = {};
        for (const f of commit.files) {
          const path = `${f.svnPath}/${f.svnFile}`;
          if (inRepository(path)) changes[relative(path)] = f.bytes;
        }
        for (const path of commit.deletes ?? []) if (inRepository(path)) changes[relative(path)] = null;
        return Object.keys(changes).length === 0
          ? []
          : [{ message: commit.message, tag: String(commit.revision), changes }];
      }),
    };
  });
}

/** Repository name → GitLab project id: the `projects` option of the GitLab SQL source in the sandbox. */
export const gitlabSeedProjectIds: Readonly<Record<string, number>> = { database_acc: 7 };

export const gitlabSeedProjects: readonly GitLabSeedProject[] = gitlabProjectsFromSqlSeed(
  sqlSeedCommits,
  gitlabSeedProjectIds,
);
