/**
 * Production's configuration (issue 12): its own Archery, CMDB and Apollo from `PRO_`-prefixed variables
 * or `environments.PRO` in the CDFLOW_CONFIG file, the approval steps and change windows of `prod`, and
 * the SQL file-name filters of each environment — validated at start, each problem naming its setting.
 */
import { loadConfig } from '@cdflow/server';
import { describe, expect, it } from 'vitest';
import { configRefusal } from './support/site-env.js';

const site = {
  CDFLOW_INTAKE_TOKEN: 'intake-0123456789abcdef',
  CDFLOW_WEBHOOK_SECRET: 'webhook-0123456789abcdef',
  CDFLOW_OPERATOR_TOKEN: 'operator-0123456789abcdef',
  JIRA_BASE_URL: 'https://jira.example.test',
  JIRA_TOKEN: 'fake-jira-pat',
  ARCHERY_BASE_URL: 'https://archery-uat.example.test',
  ARCHERY_USER: 'cdflow',
  ARCHERY_PASSWORD: 'fake-archery-password',
  CMDB_BASE_URL: 'https://cmdb-uat.example.test',
  CMDB_TOKEN: 'fake-cmdb-token',
};
const prodVariables = {
  PRO_ARCHERY_BASE_URL: 'https://archery-pro.example.test',
  PRO_ARCHERY_USER: 'cdflow-pro',
  PRO_ARCHERY_PASSWORD: 'fake-pro-archery-password',
  PRO_CMDB_BASE_URL: 'https://cmdb-pro.example.test',
  PRO_CMDB_TOKEN: 'fake-pro-cmdb-token',
  PRO_APOLLO_BASE_URL: 'https://apollo-pro.example.test',
  PRO_APOLLO_TOKEN: 'fake-pro-apollo-token',
};

const withFile = (env: NodeJS.ProcessEnv, file: unknown) =>
  loadConfig({ ...env, CDFLOW_CONFIG: 'c.json' }, { readFile: () => JSON.stringify(file) });

function problemsOf(env: NodeJS.ProcessEnv, file: unknown = {}): string[] {
  return configRefusal(() => withFile(env, file)).problems;
}

describe('production upstreams', () => {
  it('are absent unless configured: production releases are then refused, never sent to the UAT ones', () => {
    expect(loadConfig(site).environments.PRO).toBeNull();
  });

  it('come from PRO_-prefixed variables, apart from the UAT ones', () => {
    const config = loadConfig({ ...site, ...prodVariables });
    expect(config.environments.PRO).toEqual({
      archery: {
        baseUrl: 'https://archery-pro.example.test',
        user: 'cdflow-pro',
        password: 'fake-pro-archery-password',
        uiUrl: 'https://archery-pro.example.test',
        isBackup: config.archery.isBackup,
      },
      cmdb: {
        dialect: 'tasks',
        baseUrl: 'https://cmdb-pro.example.test',
        searchUrl: '',
        upgradeUrl: '',
        token: 'fake-pro-cmdb-token',
      },
      apollo: { baseUrl: 'https://apollo-pro.example.test', token: 'fake-pro-apollo-token' },
    });
    expect(config.archery.baseUrl).toBe('https://archery-uat.example.test');
    expect(config.cmdb.baseUrl).toBe('https://cmdb-uat.example.test');
  });

  it('or from environments.PRO in the file, with the secrets as variables', () => {
    const config = withFile(
      { ...site, PRO_ARCHERY_PASSWORD: 'fake-pro-archery-password', PRO_CMDB_TOKEN: 'fake-pro-cmdb-token' },
      {
        environments: {
          PRO: {
            archery: { baseUrl: 'https://archery-pro.example.test', user: 'cdflow-pro', isBackup: false },
            cmdb: { baseUrl: 'https://cmdb-pro.example.test' },
          },
        },
      },
    );
    expect(config.environments.PRO).toMatchObject({
      archery: { baseUrl: 'https://archery-pro.example.test', user: 'cdflow-pro', isBackup: false },
      cmdb: { dialect: 'tasks', baseUrl: 'https://cmdb-pro.example.test', token: 'fake-pro-cmdb-token' },
      apollo: null,
    });
  });

  it('half a production configuration names what is missing', () => {
    const problems = problemsOf({ ...site, PRO_ARCHERY_BASE_URL: 'https://archery-pro.example.test' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PRO_ARCHERY_USER .*required for production/),
        expect.stringMatching(/^PRO_ARCHERY_PASSWORD: required for production/),
        expect.stringMatching(/^PRO_CMDB_BASE_URL .*required for production/),
        expect.stringMatching(/^PRO_CMDB_TOKEN: required for production/),
      ]),
    );
    expect(problemsOf({ ...site, ...prodVariables, PRO_APOLLO_TOKEN: undefined })).toEqual([
      'PRO_APOLLO_TOKEN: required when the production Apollo URL is set (its Open API token)',
    ]);
  });
});

describe('prod: approvals, windows, file-name filters', () => {
  it('defaults to DBA, SA and team lead, weekday evening windows, and the original marks', () => {
    const config = loadConfig(site);
    expect(config.prod.approvals.map((s) => [s.key, s.group, s.status, s.transition])).toEqual([
      ['dba', 'dba', '待DBA审批', 'DBA审批通过'],
      ['sa', 'sa', '待SA审批', 'SA审批通过'],
      ['lead', 'team-leads', '待组长审批', '组长审批通过'],
    ]);
    expect(config.prod.publisherMayApprove).toBe(false);
    expect(config.prod.changeWindows).toEqual([
      { cron: '0 22 * * 1-5', durationMinutes: 120, timeZone: 'Asia/Shanghai' },
    ]);
    expect(config.prod.jira).toMatchObject({ issueType: '运营升级', rejectedStatus: '审批驳回' });
    expect(config.normalize.sqlFileFilters).toEqual({ UAT: ['ONLYPROD'], PRO: ['ONLYUAT'] });
  });

  it('takes the site’s steps, windows and marks from the file', () => {
    const config = withFile(site, {
      prod: {
        approvals: [
          {
            key: 'dba',
            group: 'dba-team',
            status: 'DBA review',
            transition: 'DBA approve',
            returnTransition: 'Back to DBA',
          },
          {
            key: 'owner',
            label: 'the service owner',
            group: 'owners',
            status: 'Owner review',
            transition: 'Owner approve',
            returnTransition: 'Back to owner',
          },
        ],
        publisherMayApprove: true,
        changeWindows: [{ cron: '0 2 * * 6', durationMinutes: 240, timeZone: 'UTC' }],
      },
      environments: {
        UAT: { dropSqlFilesContaining: ['PRODONLY'] },
        PRO: { dropSqlFilesContaining: ['UATONLY'] },
      },
    });
    expect(config.prod.approvals.map((s) => [s.key, s.label, s.approvesDifferences])).toEqual([
      ['dba', 'the dba approver', false],
      // Without a step that says so, the last one approves the differences from UAT.
      ['owner', 'the service owner', true],
    ]);
    expect(config.prod.publisherMayApprove).toBe(true);
    expect(config.prod.changeWindows).toEqual([{ cron: '0 2 * * 6', durationMinutes: 240, timeZone: 'UTC' }]);
    expect(config.normalize.sqlFileFilters).toEqual({ UAT: ['PRODONLY'], PRO: ['UATONLY'] });
  });

  it('names a window that cannot be read and two steps with one status', () => {
    const step = { group: 'g', status: 'S', transition: 'T', returnTransition: 'R' };
    const problems = problemsOf(site, {
      prod: {
        approvals: [
          { key: 'a', ...step },
          { key: 'b', ...step },
        ],
        changeWindows: [{ cron: 'every evening', durationMinutes: 60, timeZone: 'Mars/Olympus' }],
      },
    });
    expect(problems).toEqual([
      'CDFLOW_CONFIG prod.approvals.1.status: "S" is the status of two steps',
      expect.stringMatching(/^CDFLOW_CONFIG prod\.changeWindows\.0: timeZone "Mars\/Olympus"/),
    ]);
  });
});
