/**
 * Webhooks as Jira Server sends them: after the API call has been answered, one POST per registered URL
 * whose JQL matches, Server-shaped payloads, `X-Hub-Signature` when a secret is set (Jira 10+).
 */
import { createHmac } from 'node:crypto';
import { type JqlQuery, matchesJql, parseJql } from './jira-jql.js';
import { allFields, commentJson, userJson } from './jira-representation.js';
import type { JiraSimEvent, JiraSimState } from './jira-sim-state.js';

export interface JiraWebhookRegistration {
  url: string;
  secret?: string;
  /** Only issues matching this JQL are sent (the original's filter, e.g. `project = AC and …`). */
  jql?: string;
  /** Subscribed to issue events (created, updated, commented). Default true. */
  events?: boolean;
  /**
   * Also (or, with `events: false`, only) fired from workflow post functions: every transition (`true`) or
   * the transitions of these names. Such a delivery carries a `transition` object and no changelog, and
   * the webhook's JQL does not filter it (the post function is configured on the workflow).
   */
  postFunction?: boolean | readonly string[];
  /**
   * Registrations with the same `balance` name stand for one webhook behind a load balancer (replicas of
   * one receiver): each delivery goes to one of them, chosen at random, instead of to every one.
   */
  balance?: string;
}

export interface JiraWebhookDelivery {
  url: string;
  /** `event` for an issue event, `postFunction` for a delivery fired by a transition's post function. */
  trigger: 'event' | 'postFunction';
  webhookEvent: 'jira:issue_created' | 'jira:issue_updated';
  issueEventTypeName: string;
  issueKey: string;
  /** The raw body sent (what the signature covers). */
  body: string;
  payload: Record<string, unknown>;
  signature: string | null;
  /** Receiver's status; null while in flight or when the connection failed. */
  status: number | null;
  error: string | null;
}

/** The hooks one delivery goes to: every hook without `balance`, and one random member of each balance group. */
function balanced<T extends JiraWebhookRegistration>(hooks: T[]): T[] {
  const groups = new Map<string, T[]>();
  const chosen: T[] = [];
  for (const hook of hooks) {
    if (hook.balance === undefined) chosen.push(hook);
    else groups.set(hook.balance, [...(groups.get(hook.balance) ?? []), hook]);
  }
  for (const members of groups.values()) {
    const one = members[Math.floor(Math.random() * members.length)];
    if (one) chosen.push(one);
  }
  return chosen;
}

export class JiraWebhookDispatcher {
  private readonly hooks: Array<JiraWebhookRegistration & { query: JqlQuery | null }> = [];
  private readonly log: JiraWebhookDelivery[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private lost = 0;

  constructor(private readonly state: JiraSimState) {}

  register(hook: JiraWebhookRegistration): void {
    const query = hook.jql ? parseJql(hook.jql, this.state.vocabulary()) : null;
    this.hooks.push({ ...hook, query });
  }

  /** The next `times` deliveries are never sent, as when the receiver was down: Jira Server does not retry. */
  loseNext(times: number): void {
    this.lost += Math.max(0, times);
  }

  deliveries(): JiraWebhookDelivery[] {
    return [...this.log];
  }

  /** Resolves when every delivery started so far has been answered (or failed). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Called for each change; payloads are built now (the issue as it is) and sent after the answer. */
  dispatch(event: JiraSimEvent): void {
    const view = this.state.view(event.issue);
    const subscribed = this.hooks.filter(
      (h) => h.events !== false && (h.query === null || matchesJql(h.query, view)),
    );
    if (subscribed.length > 0)
      this.deliver(balanced(subscribed), this.payload(event), event.issue.key, 'event');
    if (event.kind === 'updated' && event.transition) {
      const done = event.transition;
      const fired = this.hooks.filter(
        (h) =>
          h.postFunction === true ||
          (Array.isArray(h.postFunction) && h.postFunction.includes(done.transition.name)),
      );
      if (fired.length > 0) {
        const { changelog: _c, issue_event_type_name: _t, ...rest } = this.payload(event);
        const payload = {
          ...rest,
          transition: {
            workflowId: done.workflow.id,
            workflowName: done.workflow.name,
            transitionId: Number(done.transition.id),
            transitionName: done.transition.name,
            from_status: done.from.name,
            to_status: done.to.name,
          },
        };
        this.deliver(balanced(fired), payload, event.issue.key, 'postFunction');
      }
    }
  }

  private deliver(
    targets: JiraWebhookRegistration[],
    payload: Record<string, unknown>,
    issueKey: string,
    trigger: JiraWebhookDelivery['trigger'],
  ): void {
    const body = JSON.stringify(payload);
    for (const hook of targets) {
      const delivery: JiraWebhookDelivery = {
        url: hook.url,
        trigger,
        webhookEvent: payload.webhookEvent as JiraWebhookDelivery['webhookEvent'],
        issueEventTypeName: (payload.issue_event_type_name as string | undefined) ?? '',
        issueKey,
        body,
        payload,
        signature: hook.secret
          ? `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`
          : null,
        status: null,
        error: null,
      };
      this.log.push(delivery);
      if (this.lost > 0) {
        this.lost -= 1;
        delivery.error = 'lost (never sent)';
        continue;
      }
      const sending = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.send(delivery))
        .finally(() => this.inFlight.delete(sending));
      this.inFlight.add(sending);
    }
  }

  private async send(delivery: JiraWebhookDelivery): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=UTF-8',
      'user-agent': 'Atlassian HttpClient',
    };
    if (delivery.signature) headers['x-hub-signature'] = delivery.signature;
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        headers,
        body: delivery.body,
        signal: AbortSignal.timeout(10_000),
      });
      delivery.status = res.status;
      await res.arrayBuffer();
    } catch (err) {
      delivery.error = err instanceof Error ? err.message : String(err);
    }
  }

  private payload(event: JiraSimEvent): Record<string, unknown> {
    const issue = {
      id: String(event.issue.id),
      self: `${this.state.baseUrl}/rest/api/2/issue/${event.issue.id}`,
      key: event.issue.key,
      fields: allFields(this.state, event.issue),
    };
    const base = { timestamp: Date.now(), user: userJson(this.state, event.user), issue };
    switch (event.kind) {
      case 'created':
        // Jira Server sends no changelog on creation.
        return { ...base, webhookEvent: 'jira:issue_created', issue_event_type_name: 'issue_created' };
      case 'updated':
        return {
          ...base,
          webhookEvent: 'jira:issue_updated',
          issue_event_type_name: event.eventType,
          changelog: { id: event.changelog.id, items: event.changelog.items },
        };
      case 'commented':
        return {
          ...base,
          webhookEvent: 'jira:issue_updated',
          issue_event_type_name: 'issue_commented',
          comment: commentJson(this.state, event.issue, event.comment),
        };
    }
  }
}
