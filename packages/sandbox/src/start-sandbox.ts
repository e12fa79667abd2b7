/**
 * Start the simulators (Jira, Archery, CMDB, Apollo, and the SQL sources SVN and GitLab) with their
 * default seed data: what sandbox mode, the demo and end-to-end tests run against.
 */
import { ApolloSimulator, type ApolloSimulatorOptions } from './apollo/index.js';
import { ArcherySimulator, type ArcherySimulatorOptions } from './archery/index.js';
import { CmdbSimulator, type CmdbSimulatorOptions } from './cmdb/index.js';
import { GitLabSimulator, type GitLabSimulatorOptions } from './gitlab/index.js';
import { JiraSimulator, type JiraSimulatorOptions } from './jira/index.js';
import { SvnSimulator, type SvnSimulatorOptions } from './svn/index.js';

export interface SandboxOptions {
  /** Interface every simulator listens on (ephemeral ports). Default 127.0.0.1. */
  host?: string;
  jira?: Omit<JiraSimulatorOptions, 'host'>;
  archery?: Omit<ArcherySimulatorOptions, 'host'>;
  cmdb?: Omit<CmdbSimulatorOptions, 'host'>;
  apollo?: Omit<ApolloSimulatorOptions, 'host'>;
  svn?: Omit<SvnSimulatorOptions, 'host'>;
  gitlab?: Omit<GitLabSimulatorOptions, 'host'>;
  /**
   * Start a second Archery, CMDB and Apollo for production (Jira is one for both environments), so the
   * sandbox can show a release promoted to production talking to its own upstreams. `true` starts them
   * with the default seeds; an object passes options to each.
   */
  prod?:
    | boolean
    | {
        archery?: Omit<ArcherySimulatorOptions, 'host'>;
        cmdb?: Omit<CmdbSimulatorOptions, 'host'>;
        apollo?: Omit<ApolloSimulatorOptions, 'host'>;
      };
}

/** The production upstreams of a sandbox started with `prod`. */
export interface ProdSandbox {
  urls: { archery: string; cmdb: string; cmdbSearch: string; cmdbUpgrade: string; apollo: string };
  credentials: {
    archery: { username: string; password: string };
    cmdb: { token: string };
    apollo: { token: string };
  };
  archery: ArcherySimulator;
  cmdb: CmdbSimulator;
  apollo: ApolloSimulator;
}

export interface Sandbox {
  /**
   * Base URLs (no trailing slash, except `cmdbUpgrade`, to which a target id is appended). Apollo's is
   * the portal root: clients append `/openapi/v1`. `svn` is the repository root (`SVN_BASE_URL`);
   * `cmdbSearch`/`cmdbUpgrade` are the CMDB's jiracdflow-dialect `search_url`/`upgrade_url`.
   */
  urls: {
    jira: string;
    archery: string;
    cmdb: string;
    cmdbSearch: string;
    cmdbUpgrade: string;
    apollo: string;
    svn: string;
    gitlab: string;
  };
  credentials: {
    jira: { token: string; user: string };
    archery: { username: string; password: string };
    cmdb: { token: string };
    apollo: { token: string };
    svn: { user: string; password: string };
    gitlab: { token: string };
  };
  jira: JiraSimulator;
  archery: ArcherySimulator;
  cmdb: CmdbSimulator;
  apollo: ApolloSimulator;
  svn: SvnSimulator;
  gitlab: GitLabSimulator;
  /** The production Archery, CMDB and Apollo (started with the `prod` option), or null. */
  prod: ProdSandbox | null;
  /** Close them all (waits for pending Jira webhook deliveries). */
  close(): Promise<void>;
}

async function startProd(
  options: SandboxOptions['prod'],
  host: { host?: string },
): Promise<ProdSandbox | null> {
  if (!options) return null;
  const given = options === true ? {} : options;
  const started = await Promise.allSettled([
    ArcherySimulator.start({ ...given.archery, ...host }),
    CmdbSimulator.start({ ...given.cmdb, ...host }),
    ApolloSimulator.start({ ...given.apollo, ...host }),
  ] as const);
  const [archery, cmdb, apollo] = started;
  if (archery.status === 'rejected' || cmdb.status === 'rejected' || apollo.status === 'rejected') {
    await Promise.allSettled(started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.close()] : [])));
    throw new AggregateError(
      started.flatMap((s) => (s.status === 'rejected' ? [s.reason] : [])),
      'the production simulators of the sandbox could not start',
    );
  }
  return {
    urls: {
      archery: archery.value.url,
      cmdb: cmdb.value.url,
      cmdbSearch: cmdb.value.searchUrl,
      cmdbUpgrade: cmdb.value.upgradeUrl,
      apollo: apollo.value.url,
    },
    credentials: {
      archery: {
        username: archery.value.credentials.username,
        password: archery.value.credentials.password,
      },
      cmdb: { token: cmdb.value.credentials.token },
      apollo: { token: apollo.value.credentials.token },
    },
    archery: archery.value,
    cmdb: cmdb.value,
    apollo: apollo.value,
  };
}

const names = ['jira', 'archery', 'cmdb', 'apollo', 'svn', 'gitlab'] as const;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host === undefined ? {} : { host: options.host };
  const started = await Promise.allSettled([
    JiraSimulator.start({ ...options.jira, ...host }),
    ArcherySimulator.start({ ...options.archery, ...host }),
    CmdbSimulator.start({ ...options.cmdb, ...host }),
    ApolloSimulator.start({ ...options.apollo, ...host }),
    SvnSimulator.start({ ...options.svn, ...host }),
    GitLabSimulator.start({ ...options.gitlab, ...host }),
  ] as const);
  const [jira, archery, cmdb, apollo, svn, gitlab] = started;
  if (
    jira.status === 'rejected' ||
    archery.status === 'rejected' ||
    cmdb.status === 'rejected' ||
    apollo.status === 'rejected' ||
    svn.status === 'rejected' ||
    gitlab.status === 'rejected'
  ) {
    // Do not leak the simulators that did start (their ports would keep the process alive).
    await Promise.allSettled(started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.close()] : [])));
    const reasons = started.flatMap((s, i) =>
      s.status === 'rejected' ? [`${names[i]}: ${String(s.reason)}`] : [],
    );
    throw new AggregateError(
      started.flatMap((s) => (s.status === 'rejected' ? [s.reason] : [])),
      `the sandbox could not start: ${reasons.join('; ')}`,
    );
  }
  const sims = {
    jira: jira.value,
    archery: archery.value,
    cmdb: cmdb.value,
    apollo: apollo.value,
    svn: svn.value,
    gitlab: gitlab.value,
  };
  let prod: ProdSandbox | null;
  try {
    prod = await startProd(options.prod, host);
  } catch (error) {
    await Promise.allSettled(Object.values(sims).map((s) => s.close()));
    throw error;
  }
  return {
    urls: {
      jira: sims.jira.url,
      archery: sims.archery.url,
      cmdb: sims.cmdb.url,
      cmdbSearch: sims.cmdb.searchUrl,
      cmdbUpgrade: sims.cmdb.upgradeUrl,
      apollo: sims.apollo.url,
      svn: sims.svn.url,
      gitlab: sims.gitlab.url,
    },
    credentials: {
      jira: { token: sims.jira.credentials.token, user: sims.jira.credentials.user },
      archery: { username: sims.archery.credentials.username, password: sims.archery.credentials.password },
      cmdb: { token: sims.cmdb.credentials.token },
      apollo: { token: sims.apollo.credentials.token },
      svn: { user: sims.svn.credentials.user, password: sims.svn.credentials.password },
      gitlab: { token: sims.gitlab.credentials.token },
    },
    ...sims,
    prod,
    async close() {
      const all = [...Object.values(sims), ...(prod ? [prod.archery, prod.cmdb, prod.apollo] : [])];
      const closed = await Promise.allSettled(all.map((s) => s.close()));
      const failed = closed.flatMap((c) => (c.status === 'rejected' ? [c.reason] : []));
      if (failed.length > 0)
        throw new AggregateError(failed, 'some sandbox simulators did not close cleanly');
    },
  };
}
