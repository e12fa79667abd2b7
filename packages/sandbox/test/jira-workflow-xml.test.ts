import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prodWorkflow } from '../src/jira/jira-prod-workflow.js';
import { uatWorkflow } from '../src/jira/jira-workflow-definition.js';
import { jiraWorkflowXml } from '../src/jira/jira-workflow-xml.js';

const committed = (file: string) =>
  readFileSync(fileURLToPath(new URL(`../../../docs/site/${file}`, import.meta.url)), 'utf8');

const workflows = [
  { file: 'jira-workflow-cdflow.xml', workflow: uatWorkflow() },
  { file: 'jira-workflow-cdflow-prod.xml', workflow: prodWorkflow() },
];

describe('the Jira workflow files a site imports (docs/site)', () => {
  for (const { file, workflow } of workflows) {
    it(`${file} is what the simulator's workflow "${workflow.name}" exports (run tools/export-jira-workflow.mjs after a change)`, () => {
      expect(committed(file)).toBe(jiraWorkflowXml(workflow));
    });

    it(`${file} has every status as a step and every transition with its action id`, () => {
      const xml = committed(file);
      for (const status of workflow.statuses) {
        expect(xml).toContain(
          `name="${status.name}">\n      <meta name="jira.status.id">${status.id}</meta>`,
        );
      }
      for (const transition of workflow.transitions) {
        expect(xml).toContain(`<action id="${transition.id}" name="${transition.name}">`);
        for (const state of transition.from ?? []) {
          const step = xml.slice(xml.indexOf(`name="${workflow.status(state).name}">\n      <meta`));
          const own = step.slice(0, step.indexOf('</step>'));
          const common = (transition.from?.length ?? 0) > 1;
          expect(own).toContain(
            common ? `<common-action id="${transition.id}" />` : `<action id="${transition.id}"`,
          );
        }
      }
      // Group conditions: only the production approvals carry them.
      const conditions = xml.match(/UserInGroupCondition/g)?.length ?? 0;
      expect(conditions).toBe(workflow.transitions.reduce((n, t) => n + (t.groups?.length ?? 0), 0));
    });
  }

  it('takes the site status ids by key or name and refuses a status the workflow lacks', () => {
    const xml = jiraWorkflowXml(uatWorkflow(), { statusIds: { sqlPending: '10400', UAT升级完成: '10401' } });
    expect(xml).toContain('<step id="1" name="SQL待执行">\n      <meta name="jira.status.id">10400</meta>');
    expect(xml).toContain('<meta name="jira.status.id">10401</meta>');
    expect(() => jiraWorkflowXml(uatWorkflow(), { statusIds: { 待DBA审批: '1' } })).toThrow(/no status/);
    expect(jiraWorkflowXml(uatWorkflow(), { resolutionId: null })).not.toContain('resolution');
  });
});
