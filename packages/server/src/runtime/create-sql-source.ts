/** The SQL source port from the configuration: SVN (mod_dav_svn) or GitLab, or none. */
import { GitLabSqlSource, SvnSqlSource } from '@cdflow/adapters';
import type { SqlSourcePort } from '@cdflow/core';
import type { Logger } from 'pino';
import type { SqlSourceSettings } from '../config/server-config.js';

export function createSqlSource(
  settings: SqlSourceSettings | null,
  options: { timeoutMs: number; retries: number; logger?: Logger },
): SqlSourcePort | null {
  if (settings === null) return null;
  const common = {
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    ...(options.logger ? { logger: options.logger.child({ upstream: settings.kind }) } : {}),
  };
  if (settings.kind === 'svn') {
    return new SvnSqlSource({
      baseUrl: settings.baseUrl,
      user: settings.user,
      password: settings.password,
      ...common,
    });
  }
  return new GitLabSqlSource({
    baseUrl: settings.baseUrl,
    token: settings.token,
    projects: settings.projects,
    ...common,
    // The project map is a setting of the config file, not an environment variable.
    settingNames: { projects: 'CDFLOW_CONFIG sqlSource.gitlab.projects' },
  });
}
