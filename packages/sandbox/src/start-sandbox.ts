/**
 * Start the four simulators (Jira, Archery, CMDB, Apollo) with their default seed data: what sandbox
 * mode, the demo and end-to-end tests run against.
 */
import { ApolloSimulator, type ApolloSimulatorOptions } from './apollo/index.js';
import { ArcherySimulator, type ArcherySimulatorOptions } from './archery/index.js';
import { CmdbSimulator, type CmdbSimulatorOptions } from './cmdb/index.js';
import { JiraSimulator, type JiraSimulatorOptions } from './jira/index.js';

export interface SandboxOptions {
  /** Interface every simulator listens on (ephemeral ports). Default 127.0.0.1. */
  host?: string;
  jira?: Omit<JiraSimulatorOptions, 'host'>;
  archery?: Omit<ArcherySimulatorOptions, 'host'>;
  cmdb?: Omit<CmdbSimulatorOptions, 'host'>;
  apollo?: Omit<ApolloSimulatorOptions, 'host'>;
}

export interface Sandbox {
  /** Base URLs (no trailing slash). Apollo's is the portal root: clients append `/openapi/v1`. */
  urls: { jira: string; archery: string; cmdb: string; apollo: string };
  credentials: {
    jira: { token: string; user: string };
    archery: { username: string; password: string };
    cmdb: { token: string };
    apollo: { token: string };
  };
  jira: JiraSimulator;
  archery: ArcherySimulator;
  cmdb: CmdbSimulator;
  apollo: ApolloSimulator;
  /** Close all four (waits for pending Jira webhook deliveries). */
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host === undefined ? {} : { host: options.host };
  const started = await Promise.allSettled([
    JiraSimulator.start({ ...options.jira, ...host }),
    ArcherySimulator.start({ ...options.archery, ...host }),
    CmdbSimulator.start({ ...options.cmdb, ...host }),
    ApolloSimulator.start({ ...options.apollo, ...host }),
  ] as const);
  const [jira, archery, cmdb, apollo] = started;
  if (
    jira.status === 'rejected' ||
    archery.status === 'rejected' ||
    cmdb.status === 'rejected' ||
    apollo.status === 'rejected'
  ) {
    // Do not leak the simulators that did start (their ports would keep the process alive).
    await Promise.allSettled(started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.close()] : [])));
    const reasons = started.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
    throw new AggregateError(reasons, `the sandbox could not start: ${reasons.map(String).join('; ')}`);
  }
  const sims = { jira: jira.value, archery: archery.value, cmdb: cmdb.value, apollo: apollo.value };
  return {
    urls: { jira: sims.jira.url, archery: sims.archery.url, cmdb: sims.cmdb.url, apollo: sims.apollo.url },
    credentials: {
      jira: { token: sims.jira.credentials.token, user: sims.jira.credentials.user },
      archery: { username: sims.archery.credentials.username, password: sims.archery.credentials.password },
      cmdb: { token: sims.cmdb.credentials.token },
      apollo: { token: sims.apollo.credentials.token },
    },
    ...sims,
    async close() {
      const closed = await Promise.allSettled(Object.values(sims).map((s) => s.close()));
      const failed = closed.flatMap((c) => (c.status === 'rejected' ? [c.reason] : []));
      if (failed.length > 0)
        throw new AggregateError(failed, 'some sandbox simulators did not close cleanly');
    },
  };
}
