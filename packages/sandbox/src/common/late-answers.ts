/**
 * "Done upstream, answer late (or never)": the handler runs and its change is made, then the answer is
 * held back or the connection dropped. Unlike a latency fault, which waits before the request body is
 * read (so a caller that gives up leaves nothing applied), this is what a client that times out after
 * the upstream acted must cope with. Applied by `createSimulatorApp` to every API route.
 */

export interface LateAnswerRule {
  /** `METHOD /route/:pattern` as registered, e.g. `POST /api/v1/projects/:id/upgrade`. */
  route: string;
  /** Wait this long after the handler has answered before sending the answer. */
  delayMs?: number;
  /** Then drop the connection instead of answering: the caller never learns the outcome. */
  dropConnection?: boolean;
  /** Apply to this many matching answers, then remove the rule (default 1). */
  times?: number;
  /**
   * Only answers the handler gave with this status count (an injected fault's never does), e.g. 201 for
   * "the order was saved"; default: every answer of the route counts, refusals and faults too.
   */
  status?: number;
}

/** What to do with one answer. */
export interface LateAnswer {
  delayMs: number;
  dropConnection: boolean;
}

interface ActiveRule extends LateAnswerRule {
  remaining: number;
}

export class LateAnswers {
  private rules: ActiveRule[] = [];

  add(rule: LateAnswerRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * The late answer for one answer of `route`, consuming one `times` of the oldest matching rule;
   * `undefined` when none applies.
   */
  take(route: string, answer: { status: number; injectedFault: boolean }): LateAnswer | undefined {
    const rule = this.rules.find(
      (r) =>
        r.route === route &&
        r.remaining > 0 &&
        (r.status === undefined || (!answer.injectedFault && r.status === answer.status)),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return { delayMs: rule.delayMs ?? 0, dropConnection: rule.dropConnection ?? false };
  }
}
