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
}

export interface PolicyCheckInput {
  version: string | null;
  previousVersion: string | null;
  sql: SqlItem[];
}

/** The versioning policy gate (start-server wires @cdflow/policy into it, see createPolicyGate). */
export type CheckPolicy = (input: PolicyCheckInput) => Promise<PolicyFindingSummary[]>;
