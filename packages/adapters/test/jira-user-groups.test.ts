/**
 * What production approvals need from Jira: a user's groups (`GET /user?username=&expand=groups`), and
 * the production issue told apart from the UAT issue of the same summary by its issue type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JiraSimulator } from '../../sandbox/src/jira/index.js';
import type { JiraClient } from '../src/jira/index.js';
import { jiraClientOf } from './support/jira-client-of.js';

let sim: JiraSimulator;
let client: JiraClient;

beforeAll(async () => {
  sim = await JiraSimulator.start();
  client = jiraClientOf(sim, { timeoutMs: 2000 });
});
afterAll(() => sim.close());

describe('JiraClient for production approvals', () => {
  it("reads a user's groups; an unknown user has none", async () => {
    expect(await client.userGroups('dba1')).toEqual(expect.arrayContaining(['dba']));
    expect(await client.userGroups('lead1')).toEqual(expect.arrayContaining(['team-leads']));
    expect(await client.userGroups('dev1')).not.toContain('dba');
    expect(await client.userGroups('nobody-here')).toEqual([]);
  });

  it('finds the issue of the asked issue type when UAT and production share a summary', async () => {
    const summary = '【A18】【升级】20261220_01';
    const fields = (issueType: string) => ({
      project: { key: 'AC' },
      issuetype: { name: issueType },
      summary,
      customfield_10101: { value: '日常版本需求' },
    });
    const uat = await client.createIssue(fields('升级'));
    expect(await client.findIssueBySummary('AC', summary, '运营升级')).toBeNull();
    const prod = await client.createIssue(fields('运营升级'));
    expect((await client.findIssueBySummary('AC', summary, '运营升级'))?.key).toBe(prod.key);
    expect((await client.findIssueBySummary('AC', summary, '升级'))?.key).toBe(uat.key);
    expect((await client.findIssueBySummary('AC', summary, '运营升级'))?.status).toBe('待DBA审批');
  });
});
