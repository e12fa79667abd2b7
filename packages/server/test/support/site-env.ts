/**
 * The environment of a site outside sandbox mode (fake upstream URLs and credentials, the three
 * secrets, CMDB dialect tasks): what loadConfig needs to accept a configuration with no problem; and
 * what it says when it refuses one.
 */
import { ConfigError } from '@cdflow/server';
import { expect } from 'vitest';

export const siteEnv = {
  CDFLOW_INTAKE_TOKEN: 'intake-0123456789abcdef',
  CDFLOW_WEBHOOK_SECRET: 'webhook-0123456789abcdef',
  CDFLOW_OPERATOR_TOKEN: 'operator-0123456789abcdef',
  JIRA_BASE_URL: 'https://jira.example.test',
  JIRA_TOKEN: 'fake-jira-pat',
  ARCHERY_BASE_URL: 'https://archery.example.test',
  ARCHERY_USER: 'cdflow',
  ARCHERY_PASSWORD: 'fake-archery-password',
  CMDB_BASE_URL: 'https://cmdb.example.test',
  CMDB_TOKEN: 'fake-cmdb-token',
};

/** The ConfigError with which `load` refuses a configuration; the test fails if it accepts it. */
export function configRefusal(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to refuse the configuration');
}
