/**
 * cdflow must know its own Jira user: a status change made by that user is an echo of cdflow's own move,
 * never a person's decision. Without it, an echo that arrives after cdflow has moved on (e.g. the
 * UAT自动迭代升级 of a new iteration delivered once the release is back in uatComplete) would be taken
 * for a person starting yet another iteration. With basic auth the user is JIRA_USER; with a personal
 * access token and no `jira.user` configured, Jira is asked who the token belongs to.
 */
import { JiraClient } from '@cdflow/adapters';
import type { ServerConfig } from './config/server-config.js';
import type { Logger } from './http/create-logger.js';

export async function withJiraServiceUser(config: ServerConfig, logger: Logger): Promise<ServerConfig> {
  if (config.jira.user !== '') return config;
  try {
    const client = new JiraClient({
      baseUrl: config.jira.baseUrl,
      auth: config.jira.auth,
      timeoutMs: config.timings.upstreamTimeoutMs,
      retries: config.timings.upstreamRetries,
    });
    const me = await client.myself();
    logger.info({ jiraUser: me.name }, "cdflow's Jira user (from the token)");
    return { ...config, jira: { ...config.jira, user: me.name } };
  } catch (error) {
    logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      "could not ask Jira who cdflow's token belongs to: set JIRA_USER or jira.user in the config file, " +
        "or cdflow's own moves may be taken for people's",
    );
    return config;
  }
}
