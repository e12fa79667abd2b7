/** The SQL source settings and the legacy status switch, checked at start with messages naming each setting. */

import { startSandbox } from '@cdflow/sandbox';
import { loadConfig, withSandboxUpstreams } from '@cdflow/server';
import { describe, expect, it } from 'vitest';
import { configRefusal, siteEnv } from './support/site-env.js';

const productionEnv = siteEnv;

const withFile = (text: string) => ({ readFile: () => text });

function problemsOf(env: NodeJS.ProcessEnv, file?: string): string[] {
  return configRefusal(() => loadConfig(env, file === undefined ? {} : withFile(file))).problems;
}

describe('the SQL source', () => {
  it('none by default: sql_content stays required, the fallback is gb18030, the legacy GET needs a token', () => {
    const config = loadConfig(productionEnv);
    expect(config.sqlSource).toBeNull();
    expect(config.normalize.sqlSource).toBeNull();
    expect(config.sqlFallbackEncoding).toBe('gb18030');
    expect(config.legacy.statusWithoutAuth).toBe(false);
  });

  it('SVN from SVN_BASE_URL, SVN_USER and SVN_PASSWORD', () => {
    const config = loadConfig({
      ...productionEnv,
      SVN_BASE_URL: 'https://svn.example.test/svn/repos/',
      SVN_USER: 'cdflow',
      SVN_PASSWORD: 'fake-svn-password',
    });
    expect(config.sqlSource).toEqual({
      kind: 'svn',
      baseUrl: 'https://svn.example.test/svn/repos',
      user: 'cdflow',
      password: 'fake-svn-password',
    });
    expect(config.normalize.sqlSource).toBe('svn');
  });

  it('GitLab from GITLAB_BASE_URL and GITLAB_TOKEN, with the project map of the config file', () => {
    const config = loadConfig(
      {
        ...productionEnv,
        GITLAB_BASE_URL: 'https://gitlab.example.test',
        GITLAB_TOKEN: 'glpat-fake',
        CDFLOW_CONFIG: 'c.json',
      },
      withFile(
        JSON.stringify({ sqlSource: { gitlab: { projects: { database_acc: 7 } }, fallbackEncoding: 'GBK' } }),
      ),
    );
    expect(config.sqlSource).toEqual({
      kind: 'gitlab',
      baseUrl: 'https://gitlab.example.test',
      token: 'glpat-fake',
      projects: { database_acc: 7 },
    });
    expect(config.sqlFallbackEncoding).toBe('gbk');
  });

  it('refuses at start what cannot work, naming each setting; secrets never appear', () => {
    const problems = problemsOf({ ...productionEnv, SVN_BASE_URL: 'https://svn.example.test' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SVN_USER: required/),
        expect.stringMatching(/^SVN_PASSWORD: required/),
      ]),
    );
    expect(
      problemsOf({
        ...productionEnv,
        SVN_BASE_URL: 'https://svn.example.test',
        GITLAB_BASE_URL: 'https://gitlab.example.test',
      }),
    ).toEqual([expect.stringMatching(/^SVN_BASE_URL and GITLAB_BASE_URL: set one of them/)]);
    expect(
      problemsOf({
        ...productionEnv,
        GITLAB_BASE_URL: 'https://gitlab.example.test',
        GITLAB_TOKEN: 'glpat-secret-x',
      }),
    ).toEqual([
      expect.stringMatching(/^CDFLOW_CONFIG sqlSource\.gitlab\.projects: required with GITLAB_BASE_URL/),
    ]);
    const user = problemsOf({ ...productionEnv, SVN_PASSWORD: 'svn-secret-value' });
    expect(user).toEqual([expect.stringMatching(/^SVN_BASE_URL: required when SVN_PASSWORD is set/)]);
    expect(user.join('\n')).not.toContain('svn-secret-value');
    expect(
      problemsOf({ ...productionEnv, CDFLOW_CONFIG: 'c.yaml' }, 'sqlSource: { fallbackEncoding: klingon-8 }'),
    ).toEqual([
      expect.stringMatching(
        /^CDFLOW_CONFIG sqlSource\.fallbackEncoding: "klingon-8" is not an encoding name/,
      ),
    ]);
    expect(
      problemsOf(
        { ...productionEnv, CDFLOW_CONFIG: 'c.yaml' },
        'sqlSource: { gitlab: { projects: { database_acc: 0 } } }',
      ),
    ).toEqual([expect.stringContaining('sqlSource.gitlab.projects.database_acc')]);
  });

  it('legacy.statusWithoutAuth from the config file', () => {
    const config = loadConfig(
      { ...productionEnv, CDFLOW_CONFIG: 'c.yaml' },
      withFile('legacy: { statusWithoutAuth: true }'),
    );
    expect(config.legacy.statusWithoutAuth).toBe(true);
  });

  it('sandbox mode reads SQL files from the SVN simulator', async () => {
    const sandbox = await startSandbox();
    try {
      const config = withSandboxUpstreams(loadConfig({ CDFLOW_SANDBOX: '1' }), sandbox);
      expect(config.sqlSource).toEqual({
        kind: 'svn',
        baseUrl: sandbox.urls.svn,
        ...sandbox.credentials.svn,
      });
      expect(config.normalize.sqlSource).toBe('svn');
    } finally {
      await sandbox.close();
    }
  });
});
