/** The upstream ports the runtime performs effects through (core declares them; adapters implement them). */
import type {
  ApolloPort,
  ArcheryPort,
  CmdbPort,
  JiraPort,
  PolicyFindingSummary,
  SqlItem,
  SqlSourcePort,
} from '@cdflow/core';

export interface RuntimePorts {
  jira: JiraPort;
  archery: ArcheryPort;
  cmdb: CmdbPort;
  /** Null when Apollo is not configured (config items are then confirmed by people). */
  apollo: ApolloPort | null;
  /** Where SQL files are read for items without sql_content; null or absent when none is configured. */
  sqlSource?: SqlSourcePort | null;
  /**
   * Production's own Archery, CMDB and Apollo (the ones above are UAT's); absent or null when
   * production is not configured (its releases are refused before they have effects).
   */
  environments?: { PRO?: EnvironmentPorts | null };
}

/** One environment's upstreams besides Jira. */
export interface EnvironmentPorts {
  archery: ArcheryPort;
  cmdb: CmdbPort;
  apollo: ApolloPort | null;
}

export interface PolicyCheckInput {
  version: string | null;
  previousVersion: string | null;
  sql: SqlItem[];
}

/** The versioning policy gate (start-server wires @cdflow/policy into it, see createPolicyGate). */
export type CheckPolicy = (input: PolicyCheckInput) => Promise<PolicyFindingSummary[]>;
