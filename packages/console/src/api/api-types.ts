/**
 * The JSON the console reads from the cdflow server (GET /api/releases, /api/machine, /api/session,
 * /api/console/settings). Only the fields the console shows are typed; the server sends more. What a
 * release carries (plan, SQL orders, deployments, situation) is core's data, as the server sends it.
 */
import type { Env, HistoryMoment, ReleaseContext, ReleaseSituation } from '@cdflow/core';

export type { Deployment, PlanEntry, SqlOrder } from '@cdflow/core';

/** The fields of a release that are core's context as it is (its plan, orders, deployments, ...). */
type ReleaseData = Pick<
  ReleaseContext,
  | 'releaseId'
  | 'summary'
  | 'iteration'
  | 'plan'
  | 'sqlOrders'
  | 'deployments'
  | 'failure'
  | 'warnings'
  | 'revision'
>;

export interface Release extends ReleaseData {
  key: string | null;
  project: string;
  env: Env;
  state: string;
  step: string;
  jiraStatus: string;
  situation: ReleaseSituation;
  acceptedEvents: string[];
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

/** One entry of GET /api/releases/:key/history: core's moment (when, from and to which state, accepted), and more. */
export interface HistoryEntry extends HistoryMoment {
  seq: number;
  source: string;
  actor: string;
  event: string;
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
