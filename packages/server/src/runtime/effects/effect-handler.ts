/** The shape every effect handler has: one upstream's effects per file, one handler per effect type. */
import {
  type EffectResultEvent,
  type Env,
  NonRetryableError,
  type PromotionSource,
  type ReleaseEffect,
} from '@cdflow/core';
import type { ServerConfig } from '../../config/server-config.js';
import type { CmdbDeploySlots } from './cmdb-deploy-slots.js';
import type { CheckPolicy, RuntimePorts } from './runtime-ports.js';

/**
 * What performing an effect came to: an event for the machine; simply done (with a detail for the
 * history); or `later`: not now, try again after `delayMs` (a deliberate wait, not a failure).
 */
export type EffectOutcome =
  | { kind: 'event'; event: EffectResultEvent }
  | { kind: 'done'; detail?: unknown }
  | {
      kind: 'later';
      delayMs: number;
      reason: string;
      /** A poll that saw no change: try again without writing anything (the history shows no noise). */
      quiet?: boolean;
    };

/** The release an effect runs for, as it is when the effect starts. */
export interface EffectRelease {
  releaseId: string;
  issueKey: string | null;
  /** The release's environment: its effects go to that environment's upstreams, never another's. */
  env: Env;
  /** Attempts of this effect made before (0 on the first). */
  attempts: number;
  /**
   * The effect was started before the last stop and its outcome is unknown (only recorded for effects
   * whose upstream has no idempotency key: `outcomeUnknownAfterStop`).
   */
  rerun: boolean;
  /** A later decision queued effects behind this one (they wait until it ends). */
  queuedBehind: boolean;
  /**
   * Records that the upstream is being called, for effects whose outcome is unknown after a stop
   * (`outcomeUnknownAfterStop`): their handler calls it right before the call (a no-op otherwise).
   */
  recordStart: () => Promise<void>;
}

/** What handlers may use. */
export interface EffectDeps {
  ports: RuntimePorts;
  config: ServerConfig;
  checkPolicy: CheckPolicy;
  /** Bounds CMDB deploys in flight (sent, not finished) across releases (timings.deployParallelism). */
  deploySlots: CmdbDeploySlots;
  /** The Jira status the newest processed webhook of the issue showed cdflow, or null (none did). */
  lastSeenJiraStatus: (issueKey: string) => Promise<string | null>;
  /**
   * Create the production release of a promoted UAT release (idempotent: an existing one is kept).
   * Absent where no runtime creates releases (then promotion fails).
   */
  promote?: (input: { by: string; uat: PromotionSource }) => Promise<PromotionOutcome>;
}

/** What a promotion did: created the production release, or found it there. */
export type PromotionOutcome =
  | { kind: 'created'; releaseId: string }
  | { kind: 'exists'; releaseId: string; state: string };

export type EffectOf<K extends ReleaseEffect['type']> = Extract<ReleaseEffect, { type: K }>;

export type EffectHandler<K extends ReleaseEffect['type']> = (
  effect: EffectOf<K>,
  release: EffectRelease,
  deps: EffectDeps,
) => Promise<EffectOutcome>;

export type EffectHandlers = { [K in ReleaseEffect['type']]: EffectHandler<K> };

/** Who cdflow says it is upstream (CMDB operator, Apollo modifier, Archery remarks). */
export const cdflowOperator = 'cdflow';

/** The release's Jira issue: every Jira effect after `jira.ensureIssue` needs it. */
export function requireIssue(release: EffectRelease, effectType: string): string {
  if (release.issueKey) return release.issueKey;
  throw new NonRetryableError(
    `${effectType} for release ${release.releaseId} has no Jira issue yet: jira.ensureIssue must succeed first.`,
  );
}
