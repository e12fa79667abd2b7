/** Test helpers: build requests from fixtures and drive a release through decide. */
import { readFileSync } from 'node:fs';
import {
  type ArcheryStatus,
  type Decision,
  type DeployReport,
  decide,
  defaultReleaseSettings,
  type NormalizedRequest,
  normalizeReleaseRequest,
  type ReadOrder,
  type ReleaseEffect,
  type ReleaseEvent,
  type ReleaseRequest,
  type ReleaseSettings,
  startRelease,
  validateReleaseRequest,
} from '@cdflow/core';
import { expect } from 'vitest';
import type { PolledTask } from './upstream-answers.js';

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}

export function requestFrom(body: unknown): ReleaseRequest {
  const result = validateReleaseRequest(body);
  if (!result.ok) throw new Error(`fixture invalid: ${JSON.stringify(result.errors)}`);
  return result.value;
}

export function normalizedFixture(
  name: string,
  change?: (body: Record<string, unknown>) => void,
): NormalizedRequest {
  const body = fixture(name);
  change?.(body);
  return normalizeReleaseRequest(requestFrom(body));
}

export function settings(overrides: Partial<ReleaseSettings> = {}): ReleaseSettings {
  return { ...defaultReleaseSettings, ...overrides };
}

/** A release driven event by event; `last` is the latest decision. */
export class Drive {
  last: Decision;
  readonly states: string[] = [];

  constructor(request: NormalizedRequest, s: ReleaseSettings = settings(), releaseId = 'rel-1') {
    this.last = startRelease({ releaseId, request, settings: s });
    this.states.push(this.last.state);
    this.effects.push(...this.last.effects);
  }

  send(event: ReleaseEvent): Decision {
    this.last = decide(this.last.next, event);
    this.states.push(this.last.state);
    this.effects.push(...this.last.effects);
    return this.last;
  }

  /** Every effect decided so far, oldest first. */
  readonly effects: ReleaseEffect[] = [];

  /** The latest effect of `type` decided so far. */
  latest<T extends ReleaseEffect['type']>(type: T): Extract<ReleaseEffect, { type: T }> | undefined {
    const found = [...this.effects].reverse().find((e) => e.type === type);
    return found as Extract<ReleaseEffect, { type: T }> | undefined;
  }

  /**
   * Answer the pending `archery.resolveRoutes` effect: every route resolves, to `databases[instance]` or
   * the instance's name; then Archery's check of the items (`archery.checkSql`) passes. Returns the
   * decision after the check (the one that submits).
   */
  resolveRoutes(databases: Record<string, string> = {}): Decision {
    const effect = this.last.effects.find((e) => e.type === 'archery.resolveRoutes');
    if (effect?.type !== 'archery.resolveRoutes') {
      throw new Error(`no archery.resolveRoutes effect in the last decision (state ${this.state})`);
    }
    this.send({
      type: 'SQL_ROUTES_RESOLVED',
      routes: effect.routes.map((r) => ({
        sqlId: r.sqlId,
        dbName: r.dbName ?? databases[r.instance] ?? r.instance,
      })),
    });
    return this.state === 'sqlPending.checkingSql' ? this.checkSql() : this.last;
  }

  /** Answer the pending `archery.checkSql` effect: Archery's check finds what `messages` says (default nothing). */
  checkSql(messages: Record<string, { errors?: string[]; warnings?: string[] }> = {}): Decision {
    const effect = this.latest('archery.checkSql');
    if (effect === undefined || this.state !== 'sqlPending.checkingSql') {
      throw new Error(`no archery.checkSql effect in the last decision (state ${this.state})`);
    }
    const of = (texts: string[] | undefined) => (texts ?? []).map((message) => ({ statement: '', message }));
    return this.send({
      type: 'SQL_CHECKED',
      items: effect.items.map((i) => ({
        sqlId: i.sqlId,
        hash: i.hash,
        errors: of(messages[i.sqlId]?.errors),
        warnings: of(messages[i.sqlId]?.warnings),
      })),
    });
  }

  /**
   * A person's SQL升级成功, then the fresh read of Archery it asks for (`archery.readOrders`), answered
   * with `statuses` by workflow id (default: every order finished). Returns the read's decision.
   */
  confirmSql(by = 'dba.li', statuses: Record<number, ArcheryStatus> = {}): Decision {
    const asked = this.send({ type: 'SQL_CONFIRMED', by });
    const read = asked.effects.find((e) => e.type === 'archery.readOrders');
    if (read?.type !== 'archery.readOrders') return asked;
    return this.send({
      type: 'SQL_CONFIRMATION_CHECKED',
      orders: read.workflowIds.map((workflowId) => ({
        workflowId,
        status: statuses[workflowId] ?? 'workflow_finish',
        error: null,
      })),
    });
  }

  /** The Archery poll timer fires, then the poll reads `orders`. Returns the poll's decision. */
  pollSqlOrders(orders: ReadOrder[]): Decision {
    this.send({ type: 'TIMER_FIRED', timer: 'archery.poll' });
    return this.send({ type: 'SQL_ORDERS_POLLED', orders });
  }

  /** The CMDB poll timer fires, then the poll reads `tasks`. Returns the poll's decision. */
  pollDeployTasks(tasks: PolledTask[]): Decision {
    this.send({ type: 'TIMER_FIRED', timer: 'cmdb.poll' });
    return this.send({ type: 'DEPLOY_TASKS_POLLED', tasks });
  }

  /** The host reports what the CMDB answered to the deploys it sent. */
  reportDeploys(deploys: DeployReport[]): Decision {
    return this.send({ type: 'DEPLOYS_REPORTED', deploys });
  }

  get state(): string {
    return this.last.state;
  }

  get context() {
    return this.last.context;
  }
}

/** The decision reached `state` and asked for exactly `effects` (as `summarize` writes them), in order. */
export function expectDecision(
  decision: Pick<Decision, 'state' | 'effects'>,
  state: string,
  effects: string[],
): void {
  expect(decision.state).toBe(state);
  expect(summarize(decision.effects)).toEqual(effects);
}

/** Effects as short readable strings: `jira.moveTo sqlExecuting via submitSql`, `archery.submitOrder a18-1`. */
export function summarize(effects: ReleaseEffect[]): string[] {
  return effects.map((e) => {
    switch (e.type) {
      case 'jira.moveTo':
        return `jira.moveTo ${e.state} via ${e.via}`;
      case 'archery.submitOrder':
        return `archery.submitOrder ${e.order.sqlId}`;
      case 'archery.executeOrder':
        return `archery.executeOrder ${e.workflowId}`;
      case 'cmdb.findTargets':
        return `cmdb.findTargets ${e.service}`;
      case 'cmdb.deploy':
        return `cmdb.deploy ${e.deploys.map((d) => `${d.service}@${d.target.id} a${d.attempt}`).join(', ')}`;
      case 'archery.cancelOrder':
        return `archery.cancelOrder ${e.workflowId}`;
      case 'timer.schedule':
      case 'timer.cancel':
        return `${e.type} ${e.timer}`;
      default:
        return e.type;
    }
  });
}
