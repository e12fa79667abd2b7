/**
 * Production scenarios: a sandbox with a second Archery, CMDB and Apollo for production (one Jira for
 * both environments), cdflow wired to both sets through `PRO_`-prefixed variables, and helpers to act as
 * the approvers and to count what each set of simulators was asked.
 */
import type { Sandbox, SandboxOptions } from '@cdflow/sandbox';
import { cdflowClient } from './cdflow-client.js';
import { type HarnessOptions, tokens } from './e2e-harness.js';
import { type Scenario, startScenario } from './e2e-scenario.js';

/** A person in two approver groups (to show that one person approves one step only). */
export const carol = {
  name: 'carol',
  password: 'carol-test-password-0123',
  displayName: 'Carol (DBA and SA)',
  groups: ['dba', 'sa'],
};

/** Windows that are always open (every minute, for a day), so a test's deploys never wait. */
export const alwaysOpen = [{ cron: '* * * * *', durationMinutes: 1440, timeZone: 'Asia/Shanghai' }];

export interface ProdScenario extends Scenario {
  prod: NonNullable<Sandbox['prod']>;
  /** Requests the UAT Archery, CMDB and Apollo simulators answered so far. */
  uatCalls(): number;
  /** The operator API's answer to a decision on `key` (`env` picks a summary's release). */
  decide(
    key: string,
    event: Record<string, unknown>,
    env?: 'UAT' | 'PRO',
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** GET /api/releases/:ref?env=… */
  releaseIn(ref: string, env: 'UAT' | 'PRO'): Promise<{ status: number; body: Record<string, unknown> }>;
}

export interface ProdScenarioOptions extends Omit<HarnessOptions, 'sandbox' | 'env'> {
  /** Wire cdflow to the production simulators (default true; false: production is not configured). */
  prodUpstreams?: boolean;
  /** More environment for cdflow, with the sandbox's URLs (e.g. production's CMDB in another dialect). */
  prodEnv?: (sandbox: Sandbox) => Record<string, string>;
  jira?: SandboxOptions['jira'];
}

export function prodEnvironment(prod: NonNullable<Sandbox['prod']>): Record<string, string> {
  return {
    PRO_ARCHERY_BASE_URL: prod.urls.archery,
    PRO_ARCHERY_USER: prod.credentials.archery.username,
    PRO_ARCHERY_PASSWORD: prod.credentials.archery.password,
    PRO_CMDB_BASE_URL: prod.urls.cmdb,
    PRO_CMDB_TOKEN: prod.credentials.cmdb.token,
    PRO_APOLLO_BASE_URL: prod.urls.apollo,
    PRO_APOLLO_TOKEN: prod.credentials.apollo.token,
  };
}

function prodOf(sandbox: Sandbox): NonNullable<Sandbox['prod']> {
  if (!sandbox.prod) throw new Error('the sandbox started no production simulators');
  return sandbox.prod;
}

export async function startProdScenario(options: ProdScenarioOptions = {}): Promise<ProdScenario> {
  const { prodUpstreams = true, prodEnv, jira, ...harness } = options;
  const s = await startScenario(
    prodUpstreams
      ? {
          ...harness,
          env: (sandbox) => ({ ...prodEnvironment(prodOf(sandbox)), ...prodEnv?.(sandbox) }),
        }
      : harness,
    {
      jira: { ...jira, users: [carol, ...(jira?.users ?? [])] },
      prod: { cmdb: { taskDurationMs: 100 } },
    },
  );
  const prod = prodOf(s.sandbox);
  const client = cdflowClient(s.url);
  const call = (method: string, path: string, body?: Record<string, unknown>) =>
    client.call(method, path, tokens.operator, body);
  const query = (env?: string) => (env ? `?env=${env}` : '');
  return Object.assign(s, {
    prod,
    uatCalls: () =>
      s.sandbox.archery.calls().length +
      s.sandbox.cmdb.requests().length +
      s.sandbox.apollo.requests().length,
    decide: (key: string, event: Record<string, unknown>, env?: 'UAT' | 'PRO') =>
      call('POST', `/api/releases/${encodeURIComponent(key)}/events${query(env)}`, event),
    releaseIn: (ref: string, env: 'UAT' | 'PRO') =>
      call('GET', `/api/releases/${encodeURIComponent(ref)}${query(env)}`),
  });
}
