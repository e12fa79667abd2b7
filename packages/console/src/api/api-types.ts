/**
 * The JSON the console reads from the cdflow server (GET /api/releases, /api/machine, /api/session,
 * /api/console/settings). Only the fields the console shows are typed; the server sends more.
 */

export interface PlanEntry<T> {
  item: T;
  decision: 'run' | 'skip';
  reason: string;
}

export interface SqlItem {
  sqlId: string;
  seq: number;
  svnPath: string;
  svnFile: string;
  svnVersion: string;
  instance?: string;
  dbName?: string;
}

export interface ApolloItem {
  appId: string;
  namespace: string;
  key: string;
  value: string;
  cluster?: string;
}

export interface ConfigItem {
  name: string;
}

export interface CodeItem {
  service: string;
  svnVersion: string;
  tag: string;
}

export interface ReleasePlan {
  sql: PlanEntry<SqlItem>[];
  apollo: PlanEntry<ApolloItem>[];
  config: PlanEntry<ConfigItem>[];
  code: PlanEntry<CodeItem>[];
}

export interface SqlOrder {
  sqlId: string;
  seq: number;
  iteration: number;
  workflowId: number | null;
  status: string;
  confirmedBy: string | null;
  error: string | null;
}

/** One CMDB deploy target of a code item and its deploy. */
export interface DeployTarget {
  id: number;
  name: string;
  status: string;
  attempt: number;
  taskId: string | null;
  message: string | null;
  /** Sent again after an unknown outcome to a CMDB without idempotency key. */
  resent?: boolean;
}

export interface Deployment {
  service: string;
  svnVersion: string;
  tag: string;
  iteration: number;
  /** The CMDB targets of the item; null until the CMDB was asked, [] when it has none. */
  targets: DeployTarget[] | null;
  status: string;
  message: string | null;
}

/** What a release waits for (the server's `situation.waitsFor`). */
export type ReleaseWait =
  | {
      kind: 'person';
      who: string;
      task: string;
      moves: Array<{ event: string; jiraTransition: string; allowedGroups: string[] | null }>;
    }
  | { kind: 'timer'; timer: string; purpose: string; firesAt: string | null }
  | {
      kind: 'upstream';
      upstream: string;
      task: string;
      since: string | null;
      attempts: number;
      nextTryAt: string | null;
      lastError: string | null;
    };

/** Where the release is and why, in the server's words. */
export interface ReleaseSituation {
  step: string;
  summary: string;
  waitsFor: ReleaseWait | null;
  timers: Array<{ timer: string; purpose: string; firesAt: string | null }>;
  lastFailure: {
    stage: string;
    at: string;
    reason: string;
    findings: Array<{ ruleId: string; location: string; message: string; suggestion: string }>;
    orders: Array<{
      sqlId: string;
      seq: number;
      workflowId: number | null;
      status: string;
      message: string | null;
    }>;
  } | null;
}

export interface Release {
  key: string | null;
  releaseId: string;
  summary: string;
  project: string;
  env: 'UAT' | 'PRO';
  state: string;
  step: string;
  jiraStatus: string;
  iteration: number;
  plan: ReleasePlan;
  sqlOrders: SqlOrder[];
  deployments: Deployment[];
  failure: { stage: string; reason: string; at: string } | null;
  situation: ReleaseSituation;
  warnings: Array<{ ruleId: string; severity: string; location: string; message: string }>;
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
