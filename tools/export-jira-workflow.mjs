#!/usr/bin/env node
/**
 * Writes the Jira workflows cdflow is tested against as XML a Jira Server / Data Center imports
 * (Administration → Issues → Workflows → Import from XML), from the Jira simulator's definitions:
 *
 *   docs/site/jira-workflow-cdflow.xml        the UAT workflow "cdflow" (issue type 升级)
 *   docs/site/jira-workflow-cdflow-prod.xml   the production workflow "cdflow-prod" (issue type 运营升级)
 *
 * Run after a build: `npx --yes pnpm@10 build && node tools/export-jira-workflow.mjs [options]`.
 *
 *   --out <dir>             where to write (default docs/site)
 *   --status-ids <file>     JSON { "<status key or name>": "<the site's Jira status id>" }, for a site whose
 *                           statuses already exist with other ids (default: the simulator's ids)
 *   --resolution-id <id>    resolution set on entering a done status (default 10000, Jira's "Done"; "none": none)
 *
 * packages/sandbox/test/jira-workflow-xml.test.ts checks that the committed files are what this writes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'docs', 'site') },
    'status-ids': { type: 'string' },
    'resolution-id': { type: 'string' },
  },
});

const sandbox = join(root, 'packages', 'sandbox', 'dist', 'jira');
let modules;
try {
  modules = await Promise.all([
    import(join(sandbox, 'jira-workflow-definition.js')),
    import(join(sandbox, 'jira-prod-workflow.js')),
    import(join(sandbox, 'jira-workflow-xml.js')),
  ]);
} catch (error) {
  process.stderr.write(`export-jira-workflow: build first (npx --yes pnpm@10 build): ${error.message}\n`);
  process.exit(2);
}
const [{ uatWorkflow }, { prodWorkflow }, { jiraWorkflowXml }] = modules;

const statusIds = values['status-ids'] ? JSON.parse(readFileSync(values['status-ids'], 'utf8')) : undefined;
const resolution = values['resolution-id'];
const options = {
  ...(statusIds ? { statusIds } : {}),
  ...(resolution === undefined ? {} : { resolutionId: resolution === 'none' ? null : resolution }),
};

mkdirSync(values.out, { recursive: true });
for (const [file, workflow] of [
  ['jira-workflow-cdflow.xml', uatWorkflow()],
  ['jira-workflow-cdflow-prod.xml', prodWorkflow()],
]) {
  // A status-id map names the statuses of both workflows; each takes the ones it has.
  const own = statusIds
    ? Object.fromEntries(
        Object.entries(statusIds).filter(([key]) =>
          workflow.statuses.some((s) => s.state === key || s.name === key),
        ),
      )
    : undefined;
  const target = join(values.out, file);
  writeFileSync(target, jiraWorkflowXml(workflow, { ...options, ...(own ? { statusIds: own } : {}) }));
  process.stdout.write(`wrote ${target}\n`);
}
