/**
 * The settings of the site's upstreams as they are (issue 10): the CMDB dialect and its URLs, deploy
 * timing, Archery conventions, routing rules — validated at start, each problem naming its setting.
 */
import { jiracdflowQcRouting } from '@cdflow/core';
import { loadConfig } from '@cdflow/server';
import { describe, expect, it } from 'vitest';
import { configRefusal, siteEnv } from './support/site-env.js';

// A site without its CMDB's URL: each dialect names its own.
const { CMDB_BASE_URL: _tasksUrl, ...site } = siteEnv;
const tasksSite = siteEnv;
const jiracdflowSite = {
  ...site,
  CMDB_DIALECT: 'jiracdflow',
  CMDB_SEARCH_URL: 'https://cmdb.example.test/api/project/search',
  CMDB_UPGRADE_URL: 'https://cmdb.example.test/api/project/upgrade/',
};

function problemsOf(env: NodeJS.ProcessEnv, file?: string): string[] {
  return configRefusal(() =>
    loadConfig(file === undefined ? env : { ...env, CDFLOW_CONFIG: 'c.json' }, {
      readFile: () => file ?? '',
    }),
  ).problems;
}

describe('CMDB_DIALECT', () => {
  it('defaults to tasks (CMDB_BASE_URL); jiracdflow takes CMDB_SEARCH_URL and CMDB_UPGRADE_URL as given', () => {
    expect(loadConfig(tasksSite).cmdb).toEqual({
      dialect: 'tasks',
      baseUrl: 'https://cmdb.example.test',
      searchUrl: '',
      upgradeUrl: '',
      token: 'fake-cmdb-token',
    });
    expect(loadConfig(jiracdflowSite).cmdb).toEqual({
      dialect: 'jiracdflow',
      baseUrl: '',
      searchUrl: 'https://cmdb.example.test/api/project/search',
      // The project id is appended to it: its slash is kept.
      upgradeUrl: 'https://cmdb.example.test/api/project/upgrade/',
      token: 'fake-cmdb-token',
    });
  });

  it('names an unknown dialect', () => {
    expect(problemsOf({ ...tasksSite, CMDB_DIALECT: 'soap' })).toEqual([
      'CMDB_DIALECT: expected tasks or jiracdflow, got "soap"',
    ]);
  });

  it("requires the dialect's own URLs outside sandbox mode and refuses the other dialect's", () => {
    const { CMDB_SEARCH_URL: _s, CMDB_UPGRADE_URL: _u, ...noUrls } = jiracdflowSite;
    expect(problemsOf({ ...noUrls, ARCHERY_BASE_URL: 'https://archery.example.test' })).toEqual([
      'CMDB_SEARCH_URL: required with CMDB_DIALECT=jiracdflow outside sandbox mode',
      'CMDB_UPGRADE_URL: required with CMDB_DIALECT=jiracdflow outside sandbox mode',
    ]);
    expect(problemsOf({ ...jiracdflowSite, CMDB_BASE_URL: 'https://cmdb.example.test' })).toEqual([
      'CMDB_BASE_URL: not used with CMDB_DIALECT=jiracdflow (CMDB_SEARCH_URL and CMDB_UPGRADE_URL are): set CMDB_DIALECT=tasks or remove CMDB_BASE_URL',
    ]);
    expect(problemsOf({ ...tasksSite, CMDB_SEARCH_URL: 'https://cmdb.example.test/s' })).toEqual([
      'CMDB_SEARCH_URL: not used with CMDB_DIALECT=tasks (CMDB_BASE_URL is): set CMDB_DIALECT=jiracdflow or remove CMDB_SEARCH_URL',
    ]);
  });

  it('refuses an upgrade URL the project id cannot be appended to', () => {
    expect(
      problemsOf({ ...jiracdflowSite, CMDB_UPGRADE_URL: 'https://cmdb.example.test/api/project/upgrade' }),
    ).toEqual([
      'CMDB_UPGRADE_URL: the project id is appended to it (as the original did), so it must end with "/" or "=", got "https://cmdb.example.test/api/project/upgrade"',
    ]);
  });

  it('sandbox mode runs either dialect against the simulator (tasks unless CMDB_DIALECT says)', () => {
    expect(loadConfig({}).cmdb.dialect).toBe('tasks');
    expect(loadConfig({ CMDB_DIALECT: 'jiracdflow' }).cmdb.dialect).toBe('jiracdflow');
    // A jiracdflow URL alone makes it a real site.
    expect(loadConfig(jiracdflowSite).sandbox).toBe(false);
  });
});

describe('deploy timing', () => {
  it('waits 60 s for image sync outside sandbox mode, 0 inside; retries after 10 s, twice', () => {
    const siteTimings = loadConfig(tasksSite).timings;
    expect(siteTimings).toMatchObject({
      preDeployDelayMs: 60_000,
      deployRetryPauseMs: 10_000,
      deployRetries: 2,
    });
    expect(loadConfig({}).timings.preDeployDelayMs).toBe(0);
    const set = loadConfig(
      { ...tasksSite, CDFLOW_CONFIG: 'c.json' },
      {
        readFile: () =>
          JSON.stringify({
            timings: { preDeployDelayMs: 90_000, deployRetryPauseMs: 5_000, cmdbUpgradeTimeoutMs: 600_000 },
          }),
      },
    );
    expect(set.timings).toMatchObject({
      preDeployDelayMs: 90_000,
      deployRetryPauseMs: 5_000,
      cmdbUpgradeTimeoutMs: 600_000,
    });
  });
});

describe('Archery conventions and routing', () => {
  it('sends is_backup (default true), links orders under ARCHERY_UI_URL (default ARCHERY_BASE_URL)', () => {
    expect(loadConfig(tasksSite).archery).toMatchObject({
      isBackup: true,
      uiUrl: 'https://archery.example.test',
    });
    const custom = loadConfig(
      { ...tasksSite, ARCHERY_UI_URL: 'https://archery-ui.example.test/', CDFLOW_CONFIG: 'c.json' },
      { readFile: () => JSON.stringify({ archery: { isBackup: false } }) },
    );
    expect(custom.archery).toMatchObject({ isBackup: false, uiUrl: 'https://archery-ui.example.test' });
    expect(problemsOf({ ...tasksSite, ARCHERY_UI_URL: 'archery' })[0]).toMatch(
      /^ARCHERY_UI_URL: expected an http\(s\) URL/,
    );
  });

  it('shows the order list as a comment by default; a field needs its id', () => {
    expect(loadConfig(tasksSite).jira.orderList).toBe('comment');
    expect(problemsOf(tasksSite, JSON.stringify({ jira: { orderList: 'field' } }))).toEqual([
      'CDFLOW_CONFIG jira.orderList: "field" needs jira.fields.sqlOrders (the id of a text field for the list of Archery orders)',
    ]);
    const field = loadConfig(
      { ...tasksSite, CDFLOW_CONFIG: 'c.json' },
      {
        readFile: () =>
          JSON.stringify({ jira: { orderList: 'field', fields: { sqlOrders: 'customfield_10300' } } }),
      },
    );
    expect([field.jira.orderList, field.jira.fields.sqlOrders]).toEqual(['field', 'customfield_10300']);
  });

  it('reads a routing rule per project: the path rule, the original QC map, or a fixed map', () => {
    const config = loadConfig(
      { ...tasksSite, CDFLOW_CONFIG: 'c.json' },
      {
        readFile: () =>
          JSON.stringify({
            normalize: {
              routing: {
                projects: {
                  A18: 'path',
                  QC: 'jiracdflow-qc',
                  ISLOT: {
                    rule: 'map',
                    group: 'ISLOT',
                    instances: {
                      'liveslot-sql-v3': { instance: 'islot-uat', dbName: 'ilum03' },
                      isagent: 'isagent-uat',
                    },
                  },
                },
              },
            },
          }),
      },
    );
    expect(config.normalize.routing.projects).toEqual({
      A18: { rule: 'path' },
      QC: jiracdflowQcRouting,
      ISLOT: {
        rule: 'map',
        group: 'ISLOT',
        instances: {
          'liveslot-sql-v3': { instance: 'islot-uat', dbName: 'ilum03' },
          isagent: { instance: 'isagent-uat' },
        },
      },
    });
    expect(config.normalize.routing.instanceFromPath).toBe(true);
  });

  it('names a routing rule it cannot read', () => {
    const problems = problemsOf(
      tasksSite,
      JSON.stringify({ normalize: { routing: { projects: { QC: { rule: 'map', instances: {} } } } } }),
    );
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith('CDFLOW_CONFIG normalize.routing.projects.QC'))).toBe(true);
  });
});
