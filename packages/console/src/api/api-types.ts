/**
 * The JSON the console reads from the cdflow server (GET /api/releases, /api/machine, /api/session,
 * /api/console/settings). Only the fields the console shows are typed; the server sends more. What a
 * release carries (plan, SQL orders, deployments, situation) is core's data, as the server sends it.
 */
import type {
  Deployment,
  Env,
  PolicyFindingSummary,
  ReleaseFailure,
  ReleasePlan,
  ReleaseSituation,
  SqlOrder,
} from '@cdflow/core';

export type { Deployment, PlanEntry, SqlOrder } from '@cdflow/core';

export interface Release {
  key: string | null;
  releaseId: string;
  summary: string;
  project: string;
  env: Env;
  state: string;
  step: string;
  jiraStatus: string;
  iteration: number;
  plan: ReleasePlan;
  sqlOrders: SqlOrder[];
  deployments: Deployment[];
  failure: ReleaseFailure | null;
  situation: ReleaseSituation;
  warnings: PolicyFindingSummary[];
  acceptedEvents: string[];
  revision: number;
  createdAt: string;
  updatedAt: string;
  waitingSince: string | null;
  stuck: boolean;
}

export interface ReleaseList {
  total: number;
  limit: number;
  offset: number;
  items: Release[];
}

export interface HistoryEntry {
  seq: number;
  at: string;
  source: string;
  actor: string;
  event: string;
  fromState: string | null;
  toState: string | null;
  accepted: boolean;
  detail: unknown;
}

export interface Person {
  name: string;
  displayName: string;
  groups: string[];
  via: string;
  expiresAt?: string;
  csrfToken?: string;
}

export interface PersonEventSetting {
  type: string;
  jiraTransition: string;
  takesReason: boolean;
  allowedGroups: string[] | null;
}

export interface ConsoleSettings {
  stuckAfterMinutes: number;
  jiraUrl: string;
  archeryUrl: string;
  jiraStatuses: Record<string, string>;
  personEvents: PersonEventSetting[];
}

export interface MachineNode {
  id?: string;
  key?: string;
  type?: string;
  states?: Record<string, MachineNode>;
}

export interface MachineAnswer {
  version: number;
  definition: MachineNode;
  mermaid: string;
}
