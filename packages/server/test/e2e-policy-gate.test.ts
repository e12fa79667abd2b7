import { describe, expect, it } from 'vitest';
import { closingAfterEach, sampleRequest } from './support/e2e-harness.js';
import { eventually, oneSqlItem, ordersOf, startScenario } from './support/e2e-scenario.js';

const closedAfterTest = closingAfterEach();

/** The data platform's versioning policy applies to project A18 (the sample request's). */
const policyOnA18 = { policy: { projects: ['A18'] } };

describe('the versioning policy gate', () => {
  it('a column rename never reaches Archery: sqlPending.failed and the finding on the Jira issue', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'auto', config: policyOnA18 }));
    const res = await h.intake(
      sampleRequest({ sql_info: oneSqlItem('ALTER TABLE laboratory RENAME COLUMN name TO full_name;') }),
    );
    expect(res.status).toBe(201);
    const key = String(res.body.key);

    const failed = await h.waitForState(key, 'sqlPending.failed');
    expect(failed.jiraStatus).toBe('SQL待执行');
    expect((failed.failure as { stage: string }).stage).toBe('policy');
    const comment = await eventually('the policy finding on the issue', () =>
      h.jiraComments(key).find((c) => c.includes('DF-D001')),
    );
    // The finding names the column and what to do instead: keep it, add the new column.
    expect(comment).toContain('laboratory.name');
    expect(comment).toContain('Keep name; add full_name as a new column');
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/')).toBe(0);
    expect(h.sandbox.archery.orders()).toEqual([]);
    expect(h.sandbox.jira.issue(key)?.status).toBe('SQL待执行');

    // A person pushing the SQL on anyway (提交SQL is cdflow's step) is refused, and nothing is submitted.
    await h.sandbox.jira.actAs('tester').transition(key, '提交SQL');
    await eventually('the refusal answered on the issue', () =>
      h.jiraComments(key).find((c) => c.includes('提交SQL')),
    );
    const after = await h.release(key);
    expect(after.state).toBe('sqlPending.failed');
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/')).toBe(0);
    expect(h.sandbox.cmdb.deploys()).toEqual([]);
  });

  it('a warning-only change (a CHECK constraint) is submitted and the warning is on the release', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual', config: policyOnA18 }));
    const body = sampleRequest({
      sql_info: oneSqlItem(
        "ALTER TABLE laboratory ADD CONSTRAINT laboratory_city_not_blank CHECK (city <> '');",
      ),
    });
    const res = await h.intake(body);
    const key = String(res.body.key);

    const executing = await h.waitForState(key, 'sqlExecuting');
    const warnings = executing.warnings as Array<{ ruleId: string; severity: string; message: string }>;
    expect(warnings.map((w) => [w.ruleId, w.severity])).toEqual([['DF-D006', 'warning']]);
    expect(ordersOf(h, String(body.summary))).toHaveLength(1);
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/')).toBe(1);
  });

  describe('applies only to the projects policy.projects lists', () => {
    const dropColumn = 'ALTER TABLE laboratory DROP COLUMN legacy_code;';

    it('a project outside the list: a DROP COLUMN is routine DDL and goes to Archery', async () => {
      const h = await closedAfterTest(
        startScenario({ sqlMode: 'manual', config: { policy: { projects: ['QC'] } } }),
      );
      const body = sampleRequest({ sql_info: oneSqlItem(dropColumn) });
      const key = String((await h.intake(body)).body.key);
      const executing = await h.waitForState(key, 'sqlExecuting');
      expect(executing.failure).toBeNull();
      expect(executing.warnings).toEqual([]);
      const orders = ordersOf(h, String(body.summary));
      expect(orders.map((o) => o.sqlContent.trim())).toEqual([dropColumn]);
      expect(h.jiraComments(key).some((c) => c.includes('DF-D002'))).toBe(false);
    });

    it('a project on the list: the same DROP COLUMN is stopped before Archery, with the finding', async () => {
      const h = await closedAfterTest(startScenario({ sqlMode: 'manual', config: policyOnA18 }));
      const key = String((await h.intake(sampleRequest({ sql_info: oneSqlItem(dropColumn) }))).body.key);
      const failed = await h.waitForState(key, 'sqlPending.failed');
      expect((failed.failure as { stage: string }).stage).toBe('policy');
      const comment = await eventually('the policy finding on the issue', () =>
        h.jiraComments(key).find((c) => c.includes('DF-D002')),
      );
      expect(comment).toContain('laboratory.legacy_code');
      expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/')).toBe(0);
    });
  });
});
