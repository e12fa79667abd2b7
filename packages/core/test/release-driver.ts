/** Test helpers: build requests from fixtures and drive a release through decide. */
import { readFileSync } from 'node:fs';
import {
  type Decision,
  decide,
  defaultReleaseSettings,
  type NormalizedRequest,
  normalizeReleaseRequest,
  type ReleaseEffect,
  type ReleaseEvent,
  type ReleaseRequest,
  type ReleaseSettings,
  startRelease,
  validateReleaseRequest,
} from '@cdflow/core';

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
  }

  send(event: ReleaseEvent): Decision {
    this.last = decide(this.last.next, event);
    this.states.push(this.last.state);
    return this.last;
  }

  /** Answer the pending `archery.resolveRoutes` effect: every route resolves, to `databases[instance]` or the instance's name. */
  resolveRoutes(databases: Record<string, string> = {}): Decision {
    const effect = this.last.effects.find((e) => e.type === 'archery.resolveRoutes');
    if (effect?.type !== 'archery.resolveRoutes') {
      throw new Error(`no archery.resolveRoutes effect in the last decision (state ${this.state})`);
    }
    return this.send({
      type: 'SQL_ROUTES_RESOLVED',
      routes: effect.routes.map((r) => ({
        sqlId: r.sqlId,
        dbName: r.dbName ?? databases[r.instance] ?? r.instance,
      })),
    });
  }

  get state(): string {
    return this.last.state;
  }

  get context() {
    return this.last.context;
  }
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
