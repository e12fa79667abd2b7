/**
 * Helpers shared by the e2e-*.test.ts release scenarios, on top of the e2e harness: a sandbox with short
 * deploy tasks (owned and closed with the harness), the people's moves, and polling with a deadline.
 */
import { workOrderPositionOf } from '@cdflow/core';
import { type Sandbox, type SandboxOptions, startSandbox } from '@cdflow/sandbox';
import { type Harness, type HarnessOptions, sampleRequest, startHarness } from './e2e-harness.js';

export interface Scenario extends Harness {
  /** The Jira statuses the issue went through, oldest first (from the simulator's issue history). */
  jiraStatuses(key: string): string[];
  /** Comments on the issue, oldest first. */
  jiraComments(key: string): string[];
  /** Waits until the release's machine step (finer than its state, e.g. `configExecuting.applyingApollo`) is `step`. */
  waitForStep(key: string, step: string): Promise<Record<string, unknown>>;
  /** Waits until the Jira simulator shows the issue in `status` (cdflow moves Jira after its commit). */
  waitForJiraStatus(key: string, status: string): Promise<void>;
  /** Waits until every Archery order of `summary` is in one of `statuses`; returns the orders. */
  waitForOrders(
    summary: string,
    statuses: string[],
  ): Promise<ReturnType<Harness['sandbox']['archery']['orders']>>;
}

/** A person of the Jira simulator with a known password, to use Jira's REST API as people do. */
export const jiraPerson = { name: 'alice', password: 'alice-test-password-0123' };

/**
 * Starts the harness over a sandbox whose CMDB tasks end quickly; closing the harness closes both.
 * `sandboxOptions` adds to the sandbox's (its Jira users come after Alice's); `simulators` likewise, for
 * the Jira and Archery simulators (e.g. Archery's `banSelfAudit`).
 */
export async function startScenario(
  options: Omit<HarnessOptions, 'sandbox'> & {
    simulators?: Pick<SandboxOptions, 'jira' | 'archery'>;
  } = {},
  sandboxOptions: SandboxOptions = {},
): Promise<Scenario> {
  const { simulators, ...harnessOptions } = options;
  const sandbox: Sandbox = await startSandbox({
    cmdb: { taskDurationMs: 100 },
    ...sandboxOptions,
    ...(simulators?.archery ? { archery: simulators.archery } : {}),
    jira: {
      ...sandboxOptions.jira,
      ...simulators?.jira,
      users: [
        { ...jiraPerson, displayName: 'Alice (release manager)' },
        ...(sandboxOptions.jira?.users ?? []),
        ...(simulators?.jira?.users ?? []),
      ],
    },
  });
  let h: Harness;
  try {
    h = await startHarness({ ...harnessOptions, sandbox });
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  const close = h.close;
  return Object.assign(h, {
    async close() {
      await close();
      await sandbox.close();
    },
    jiraStatuses(key: string): string[] {
      const issue = sandbox.jira.issue(key);
      if (!issue) throw new Error(`no Jira issue ${key}`);
      const statuses = ['SQL待执行'];
      for (const change of issue.history)
        for (const item of change.items)
          if (item.field === 'status' && item.toString !== null) statuses.push(item.toString);
      return statuses;
    },
    jiraComments(key: string): string[] {
      return sandbox.jira.issue(key)?.comments ?? [];
    },
    waitForStep(key: string, step: string) {
      return eventually(`release ${key} at step ${step}`, async () => {
        const view = await h.release(key);
        return view.step === step ? view : undefined;
      });
    },
    async waitForJiraStatus(key: string, status: string): Promise<void> {
      await eventually(`Jira issue ${key} in ${status}`, () =>
        sandbox.jira.issue(key)?.status === status ? true : undefined,
      );
    },
    waitForOrders(summary: string, statuses: string[]) {
      return eventually(`orders of ${summary} in ${statuses.join('|')}`, () => {
        const orders = ordersOf(h, summary);
        return orders.length > 0 && orders.every((o) => statuses.includes(o.status)) ? orders : undefined;
      });
    },
  });
}

/**
 * Once the release is in configExecuting and Jira shows CONFIG执行中, ops confirm the config; waits until the
 * release is uatComplete and Jira shows UAT升级完成, then until Jira's webhook deliveries are all answered.
 */
export async function confirmConfigUntilUatComplete(s: Scenario, key: string): Promise<void> {
  await s.waitForState(key, (st) => st.startsWith('configExecuting'));
  await s.waitForJiraStatus(key, 'CONFIG执行中');
  await s.sandbox.jira.actAs('ops').transition(key, '配置升级成功');
  await s.waitForState(key, 'uatComplete');
  // cdflow's own last move fires the post function too: every delivery sent is answered before the look.
  await s.waitForJiraStatus(key, 'UAT升级完成');
  await s.sandbox.jira.flushWebhooks();
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what` at the deadline. */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The Archery orders of a release (named `<summary> #<seq>/<total>`), in order of creation. */
export function ordersOf(h: Harness, summary: string) {
  return h.sandbox.archery.orders().filter((o) => workOrderPositionOf(o.workflowName, summary) !== null);
}

/** A single SQL item (a DDL file of the sample's database) whose content is `sql`. */
export function oneSqlItem(sql: string) {
  return [
    {
      sql_id: 'a18-0101',
      svn_path: 'database_acc/db_a18/acc',
      svn_file: '01.acc_ddl_laboratory.sql',
      svn_version: '1301',
      sql_content: sql,
    },
  ];
}

/** Three SQL items in sequence order (the sample's view and DML, then another DML), all accepted by the policy. */
export function threeSqlItems(): Array<Record<string, string>> {
  return [
    ...(sampleRequest().sql_info as Array<Record<string, string>>),
    {
      sql_id: 'a18-0003',
      svn_path: 'database_acc/db_a18/acc',
      svn_file: '03.acc_dml_merchant.sql',
      svn_version: '1201',
      sql_content: "UPDATE merchant SET region = 'EU' WHERE region = 'Europe';",
    },
  ];
}
