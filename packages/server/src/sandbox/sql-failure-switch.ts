/**
 * "The next SQL execution fails": in mode auto cdflow passes and executes an order right after submitting
 * it, so a person has no moment to make it fail by hand. Armed, this switch watches the releases' changes
 * and makes each new Archery order fail at execution, as the DBA's `fail` does, the moment cdflow has
 * recorded its submission (before it executes it).
 */
import type { Sandbox } from '@cdflow/sandbox';
import type { Logger } from '../http/create-logger.js';
import type { ReleaseRuntimeApi } from '../runtime/runtime-api.js';

export class SqlFailureSwitch {
  private readonly messages: string[] = [];
  /** Orders at or below this workflow id existed before the switch was armed (or were handled). */
  private watermark = 0;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly logger: Logger,
  ) {}

  /** Watch the runtime's changes (a submission is recorded as one). */
  follow(runtime: Pick<ReleaseRuntimeApi, 'subscribe'>): () => void {
    return runtime.subscribe(() => this.failNewOrders());
  }

  /** The next `times` orders submitted fail at execution with `message`; answers how many are armed. */
  arm(message: string, times: number): number {
    if (this.messages.length === 0) this.watermark = this.highestWorkflowId();
    for (let i = 0; i < times; i += 1) this.messages.push(message);
    return this.messages.length;
  }

  armed(): number {
    return this.messages.length;
  }

  disarm(): void {
    this.messages.length = 0;
  }

  private highestWorkflowId(): number {
    return Math.max(0, ...this.sandbox.archery.orders().map((o) => o.workflowId));
  }

  private failNewOrders(): void {
    if (this.messages.length === 0) return;
    const fresh = this.sandbox.archery
      .orders()
      .filter((o) => o.workflowId > this.watermark)
      .sort((a, b) => a.workflowId - b.workflowId);
    for (const order of fresh) {
      const message = this.messages.shift();
      if (message === undefined) break;
      this.watermark = order.workflowId;
      try {
        this.sandbox.archery.dba.fail(order.workflowId, message);
        this.logger.info(
          { workflowId: order.workflowId },
          'sandbox: the armed SQL failure applies to this order',
        );
      } catch (error) {
        // Already final (e.g. refused by the auto review): the failure waits for the next order.
        this.messages.unshift(message);
        this.logger.info(
          { workflowId: order.workflowId, err: (error as Error).message },
          'sandbox: order skipped',
        );
      }
    }
  }
}
