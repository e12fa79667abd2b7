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
import type { EnvironmentUpstreams, ServerConfig } from '../config/server-config.js';
import { createSqlSource } from './create-sql-source.js';
import type { EnvironmentPorts, RuntimePorts } from './effects/runtime-ports.js';

/** `observer` is told after every HTTP attempt to an upstream (the metrics). */
export function createPorts(config: ServerConfig, logger: Logger, observer?: HttpObserver): RuntimePorts {
  const common = {
    timeoutMs: config.timings.upstreamTimeoutMs,
    retries: config.timings.upstreamRetries,
    ...(observer ? { observer } : {}),
  };
  const upgradeTimeoutMs = config.timings.cmdbUpgradeTimeoutMs;
  const uat = environmentPorts(config, logger, common, upgradeTimeoutMs);
  const pro = config.environments.PRO;
  return {
    jira: new JiraClient({
      baseUrl: config.jira.baseUrl,
      auth: config.jira.auth,
      ...common,
      logger: logger.child({ upstream: 'jira' }),
    }),
    ...uat,
    sqlSource: createSqlSource(config.sqlSource, { ...common, logger }),
    // Production's own upstreams: its releases never reach the UAT ones above.
    environments: {
      PRO: pro ? environmentPorts(pro, logger.child({ env: 'PRO' }), common, upgradeTimeoutMs) : null,
    },
  };
}

type Common = { timeoutMs: number; retries: number; observer?: HttpObserver };

/** One environment's Archery, CMDB (of its dialect) and Apollo clients. */
function environmentPorts(
  upstreams: EnvironmentUpstreams,
  logger: Logger,
  common: Common,
  upgradeTimeoutMs: number,
): EnvironmentPorts {
  const child = (upstream: string) => logger.child({ upstream });
  return {
    archery: new ArcheryClient({
      baseUrl: upstreams.archery.baseUrl,
      username: upstreams.archery.user,
      password: upstreams.archery.password,
      ...common,
      logger: child('archery'),
    }),
    cmdb:
      upstreams.cmdb.dialect === 'jiracdflow'
        ? new JiracdflowCmdbClient({
            searchUrl: upstreams.cmdb.searchUrl,
            upgradeUrl: upstreams.cmdb.upgradeUrl,
            token: upstreams.cmdb.token,
            ...common,
            upgradeTimeoutMs,
            logger: child('cmdb'),
          })
        : new CmdbClient({
            baseUrl: upstreams.cmdb.baseUrl,
            token: upstreams.cmdb.token,
            ...common,
            logger: child('cmdb'),
          }),
    apollo: upstreams.apollo
      ? new ApolloClient({
          baseUrl: upstreams.apollo.baseUrl,
          token: upstreams.apollo.token,
          ...common,
          logger: child('apollo'),
        })
      : null,
  };
}
