/** Wires the HTTP adapters to the ports the runtime needs, from the validated configuration. */
import {
  ApolloClient,
  ArcheryClient,
  CmdbClient,
  type HttpObserver,
  JiraClient,
  JiracdflowCmdbClient,
} from '@cdflow/adapters';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import { createSqlSource } from './create-sql-source.js';
import type { RuntimePorts } from './effects/runtime-ports.js';

/** `observer` is told after every HTTP attempt to an upstream (the metrics). */
export function createPorts(config: ServerConfig, logger: Logger, observer?: HttpObserver): RuntimePorts {
  const common = {
    timeoutMs: config.timings.upstreamTimeoutMs,
    retries: config.timings.upstreamRetries,
    ...(observer ? { observer } : {}),
  };
  return {
    jira: new JiraClient({
      baseUrl: config.jira.baseUrl,
      auth: config.jira.auth,
      ...common,
      logger: logger.child({ upstream: 'jira' }),
    }),
    archery: new ArcheryClient({
      baseUrl: config.archery.baseUrl,
      username: config.archery.user,
      password: config.archery.password,
      ...common,
      logger: logger.child({ upstream: 'archery' }),
    }),
    cmdb:
      config.cmdb.dialect === 'jiracdflow'
        ? new JiracdflowCmdbClient({
            searchUrl: config.cmdb.searchUrl,
            upgradeUrl: config.cmdb.upgradeUrl,
            token: config.cmdb.token,
            ...common,
            upgradeTimeoutMs: config.timings.cmdbUpgradeTimeoutMs,
            logger: logger.child({ upstream: 'cmdb' }),
          })
        : new CmdbClient({
            baseUrl: config.cmdb.baseUrl,
            token: config.cmdb.token,
            ...common,
            logger: logger.child({ upstream: 'cmdb' }),
          }),
    apollo: config.apollo
      ? new ApolloClient({
          baseUrl: config.apollo.baseUrl,
          token: config.apollo.token,
          ...common,
          logger: logger.child({ upstream: 'apollo' }),
        })
      : null,
    sqlSource: createSqlSource(config.sqlSource, { ...common, logger }),
  };
}
