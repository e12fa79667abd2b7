import { loadConfig } from '@cdflow/server';
import { describe, expect, it } from 'vitest';
import { configRefusal, siteEnv } from './support/site-env.js';

const productionEnv = siteEnv;

function problemsOf(env: NodeJS.ProcessEnv, files: Record<string, string> = {}): string[] {
  const refusal = configRefusal(() =>
    loadConfig(env, {
      readFile: (path) => {
        const text = files[path];
        if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
        return text;
      },
    }),
  );
  expect(refusal.code).toBe('CONFIG_INVALID');
  return refusal.problems;
}

describe('loadConfig: sandbox mode', () => {
  it('starts in sandbox mode with no upstream URL and generates the missing secrets', () => {
    const config = loadConfig({});
    expect(config.sandbox).toBe(true);
    expect(config.generatedSecrets.sort()).toEqual(['intakeToken', 'operatorToken', 'webhookSecret']);
    const secrets = new Set([config.intakeToken, config.webhookSecret, config.operatorToken]);
    expect(secrets.size).toBe(3);
    for (const secret of secrets) expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dbPath: './data/cdflow.sqlite',
      // A newcomer's sandbox release moves by itself through SQL; a given mode still wins.
      sqlMode: 'auto',
    });
    expect(loadConfig({ CDFLOW_SQL_MODE: 'manual' }).sqlMode).toBe('manual');
    // At a real site the DBA executes and confirms unless configured otherwise (the seed's flow).
    expect(loadConfig(productionEnv).sqlMode).toBe('manual');
  });

  it('uses tokens given in the environment as given and generates only the others', () => {
    const config = loadConfig({ CDFLOW_INTAKE_TOKEN: 'my-intake' });
    expect(config.intakeToken).toBe('my-intake');
    expect(config.generatedSecrets).not.toContain('intakeToken');
    expect(config.generatedSecrets).toContain('operatorToken');
  });

  it('CDFLOW_SANDBOX=0 turns sandbox mode off even with no upstream URL, and asks for the upstreams', () => {
    for (const flag of ['0', 'false']) {
      const problems = problemsOf({ CDFLOW_SANDBOX: flag });
      expect(problems.some((p) => p.startsWith('JIRA_BASE_URL: required outside sandbox mode'))).toBe(true);
      expect(problems.some((p) => p.startsWith('ARCHERY_BASE_URL: required outside sandbox mode'))).toBe(
        true,
      );
    }
  });

  it('CDFLOW_SANDBOX=1 forces sandbox mode even with upstream URLs', () => {
    expect(loadConfig({ ...productionEnv, CDFLOW_SANDBOX: '1' }).sandbox).toBe(true);
    expect(loadConfig(productionEnv).sandbox).toBe(false);
  });
});

describe('loadConfig: outside sandbox mode', () => {
  it('reads every upstream and secret from the environment', () => {
    const config = loadConfig({ ...productionEnv, CDFLOW_SQL_MODE: 'watch', CDFLOW_PORT: '9090' });
    expect(config.jira).toMatchObject({
      baseUrl: 'https://jira.example.test',
      auth: { kind: 'bearer', token: 'fake-jira-pat' },
    });
    expect(config.archery).toEqual({
      baseUrl: 'https://archery.example.test',
      user: 'cdflow',
      password: 'fake-archery-password',
      uiUrl: 'https://archery.example.test',
      isBackup: true,
    });
    expect(config.cmdb).toMatchObject({ dialect: 'tasks', baseUrl: 'https://cmdb.example.test' });
    expect(config.apollo).toBeNull();
    expect(config.sqlMode).toBe('watch');
    expect(config.port).toBe(9090);
    expect(config.generatedSecrets).toEqual([]);
  });

  it('uses basic auth for Jira with JIRA_USER and JIRA_PASSWORD', () => {
    const { JIRA_TOKEN: _omit, ...env } = productionEnv;
    const config = loadConfig({ ...env, JIRA_USER: 'svc-cdflow', JIRA_PASSWORD: 'fake-pass' });
    expect(config.jira.auth).toEqual({ kind: 'basic', user: 'svc-cdflow', password: 'fake-pass' });
    expect(config.jira.user).toBe('svc-cdflow');
  });

  it('refuses to start without its secrets and credentials, naming each missing one', () => {
    const problems = problemsOf({ JIRA_BASE_URL: 'https://jira.example.test' });
    const named = problems.map((p) => p.split(':')[0]);
    expect(named).toEqual(
      expect.arrayContaining([
        'CDFLOW_INTAKE_TOKEN',
        'CDFLOW_WEBHOOK_SECRET',
        'CDFLOW_OPERATOR_TOKEN',
        'JIRA_TOKEN',
        'ARCHERY_BASE_URL',
        'ARCHERY_USER',
        'ARCHERY_PASSWORD',
        'CMDB_BASE_URL',
        'CMDB_TOKEN',
      ]),
    );
  });

  it('refuses short secrets without echoing them', () => {
    const problems = problemsOf({ ...productionEnv, CDFLOW_OPERATOR_TOKEN: 'tiny-secret' });
    expect(problems).toEqual([
      'CDFLOW_OPERATOR_TOKEN: expected at least 16 characters (a random token), got 11',
    ]);
    expect(problems.join('\n')).not.toContain('tiny-secret');
  });

  it('needs both Apollo settings or neither', () => {
    expect(problemsOf({ ...productionEnv, APOLLO_BASE_URL: 'https://apollo.example.test' })).toEqual([
      'APOLLO_TOKEN: required when APOLLO_BASE_URL is set (the Apollo Open API token)',
    ]);
    const config = loadConfig({
      ...productionEnv,
      APOLLO_BASE_URL: 'https://apollo.example.test/',
      APOLLO_TOKEN: 't',
    });
    expect(config.apollo).toEqual({ baseUrl: 'https://apollo.example.test', token: 't' });
  });
});

describe('loadConfig: messages name the bad setting and what was expected', () => {
  it.each([
    [{ CDFLOW_PORT: 'abc' }, 'CDFLOW_PORT: expected an integer 0–65535, got "abc"'],
    [{ CDFLOW_PORT: '70000' }, 'CDFLOW_PORT: expected an integer 0–65535, got "70000"'],
    [{ CDFLOW_SQL_MODE: 'fast' }, 'CDFLOW_SQL_MODE: expected manual, watch or auto, got "fast"'],
    [{ CDFLOW_SANDBOX: 'yes' }, 'CDFLOW_SANDBOX: expected 1, 0, true or false, got "yes"'],
    [
      { CDFLOW_LOG_LEVEL: 'loud' },
      'CDFLOW_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ],
    [
      { JIRA_BASE_URL: 'jira.example.test' },
      'JIRA_BASE_URL: expected an http(s) URL such as https://jira.example.com, got "jira.example.test"',
    ],
  ])('%j', (env, message) => {
    expect(problemsOf({ ...productionEnv, ...env })).toContain(message);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ ...productionEnv, CDFLOW_PORT: 'abc', CDFLOW_SQL_MODE: 'fast' });
    expect(problems).toHaveLength(2);
  });

  it('never puts credentials of a URL in the configuration', () => {
    expect(problemsOf({ ...productionEnv, CMDB_BASE_URL: 'https://svc:hunter2@cmdb.example.test' })).toEqual([
      'CMDB_BASE_URL: must not contain credentials (use the matching token or password variable)',
    ]);
  });
});

describe('loadConfig: the CDFLOW_CONFIG file', () => {
  const yaml = `
sqlMode: auto
jira:
  issueType: Upgrade
  fields:
    sql: customfield_20001
  statuses:
    uatComplete: UAT done
  transitions:
    finish: Finish
projects:
  A18: AC
  NEW: NP
normalize:
  rules:
    emptyTagMeansV1: false
policy:
  gate: false
  rules:
    DF-V001: warning
timings:
  archeryPollMs: 1000
  preDeployDelayMs: 30000
limits:
  webhookBodyLimitBytes: 4194304
`;

  it('applies partial overrides over the defaults (YAML)', () => {
    const config = loadConfig({ CDFLOW_CONFIG: '/etc/cdflow.yaml' }, { readFile: () => yaml });
    expect(config.sqlMode).toBe('auto');
    expect(config.jira.issueType).toBe('Upgrade');
    expect(config.jira.fields).toMatchObject({ sql: 'customfield_20001', code: 'customfield_10103' });
    expect(config.jira.names.statuses).toMatchObject({ uatComplete: 'UAT done', sqlPending: 'SQL待执行' });
    expect(config.jira.names.transitions).toMatchObject({ finish: 'Finish', submitSql: '提交SQL' });
    expect(config.normalize.projectMap).toEqual({ A18: 'AC', NEW: 'NP' });
    expect(config.normalize.rules).toMatchObject({ emptyTagMeansV1: false, dropOperationalSqlInUat: true });
    expect(config.policy).toEqual({
      gate: false,
      // No upstream is configured here: the sandbox's default, its sample project.
      projects: ['A18'],
      rules: { 'DF-V001': 'warning' },
      temporaryTablePatterns: ['^tmp_'],
    });
    expect(config.timings).toMatchObject({
      archeryPollMs: 1000,
      preDeployDelayMs: 30000,
      cmdbPollMs: 5000,
      deployParallelism: 4,
    });
    expect(config.webhookBodyLimitBytes).toBe(4194304);
  });

  it('runs the policy gate only for the projects policy.projects lists: none at a site, A18 in the sandbox', () => {
    expect(loadConfig(productionEnv).policy.projects).toEqual([]);
    expect(loadConfig({}).policy.projects).toEqual(['A18']);
    const listed = loadConfig(
      { ...productionEnv, CDFLOW_CONFIG: 'p.yaml' },
      {
        readFile: () => 'policy:\n  projects: [A18, QC]\n  temporaryTablePatterns: ["^tmp_", "^scratch_"]\n',
      },
    );
    expect(listed.policy).toMatchObject({
      projects: ['A18', 'QC'],
      temporaryTablePatterns: ['^tmp_', '^scratch_'],
    });
  });

  it('names a scratch-table pattern that is no regular expression', () => {
    const problems = problemsOf(
      { CDFLOW_CONFIG: 'p.yaml' },
      { 'p.yaml': 'policy:\n  temporaryTablePatterns: ["(tmp"]\n' },
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^CDFLOW_CONFIG policy\.temporaryTablePatterns: temporaryTablePatterns: "\(tmp" is not a valid regular expression/,
    );
  });

  it('names an unknown policy rule id', () => {
    const problems = problemsOf(
      { CDFLOW_CONFIG: 'p.yaml' },
      { 'p.yaml': 'policy:\n  rules:\n    NO-SUCH-RULE: off\n' },
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^CDFLOW_CONFIG policy\.rules: unknown rule "NO-SUCH-RULE"/);
  });

  it('the environment wins over the file for the SQL mode', () => {
    const config = loadConfig(
      { CDFLOW_CONFIG: 'c.yaml', CDFLOW_SQL_MODE: 'manual' },
      { readFile: () => yaml },
    );
    expect(config.sqlMode).toBe('manual');
  });

  it('reads JSON files', () => {
    const config = loadConfig(
      { CDFLOW_CONFIG: 'cdflow.json' },
      { readFile: () => JSON.stringify({ timings: { cmdbPollMs: 250 } }) },
    );
    expect(config.timings.cmdbPollMs).toBe(250);
  });

  it('names a wrong type, an unknown key and an unknown status key by their path', () => {
    const problems = problemsOf(
      { CDFLOW_CONFIG: 'bad.yaml' },
      { 'bad.yaml': 'timings:\n  archeryPollMs: fast\ntiming: {}\njira:\n  statuses:\n    done: Done\n' },
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CDFLOW_CONFIG timings\.archeryPollMs: .*integer.*, got "fast"$/),
        'CDFLOW_CONFIG timing: unknown setting',
      ]),
    );
    // The status key is checked once the file has the right shape.
    const statusProblems = problemsOf(
      { CDFLOW_CONFIG: 's.yaml' },
      { 's.yaml': 'jira:\n  statuses:\n    done: Done\n' },
    );
    expect(statusProblems[0]).toMatch(
      /^CDFLOW_CONFIG jira\.statuses\.done: unknown key \(expected one of sqlPending, /,
    );
  });

  it('names an unreadable file and a file that is not valid YAML or JSON', () => {
    expect(problemsOf({ CDFLOW_CONFIG: '/nope.yaml' })).toEqual([
      'CDFLOW_CONFIG: cannot read the file "/nope.yaml" (ENOENT)',
    ]);
    expect(problemsOf({ CDFLOW_CONFIG: 'x.json' }, { 'x.json': '{"timings": ' })[0]).toMatch(
      /^CDFLOW_CONFIG: "x\.json" is not valid JSON: /,
    );
    expect(problemsOf({ CDFLOW_CONFIG: 'x.yaml' }, { 'x.yaml': 'a: [' })[0]).toMatch(
      /^CDFLOW_CONFIG: "x\.yaml" is not valid YAML: /,
    );
    expect(problemsOf({ CDFLOW_CONFIG: 'l.yaml' }, { 'l.yaml': '- 1\n- 2\n' })).toEqual([
      'CDFLOW_CONFIG: "l.yaml" must hold an object of settings, got an array',
    ]);
  });
});
