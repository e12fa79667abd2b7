/**
 * What every simulator object offers on top of its own API: its base URL, the shell's counters, faults,
 * request log and late answers, and closing its server.
 */
import type { CallCounters } from './call-counters.js';
import type { FaultInjector } from './fault-injector.js';
import type { SimulatorRequest } from './request-log.js';
import type { SimulatorShell } from './simulator-app.js';

export abstract class SimulatorBase {
  readonly url: string;
  readonly counters: CallCounters;
  readonly faults: FaultInjector;

  protected constructor(
    url: string,
    protected readonly shell: SimulatorShell,
  ) {
    this.url = url;
    this.counters = shell.counters;
    this.faults = shell.faults;
  }

  /** Requests answered so far (API routes only, injected faults included), oldest first. */
  requests(): SimulatorRequest[] {
    return this.shell.requests.requests();
  }

  /**
   * Apply the next `times` calls of `route` (e.g. `POST /api/v1/projects/:id/upgrade`) and only then wait
   * `delayMs` before answering: the upstream did the work but the caller may have given up. (A latency
   * fault delays before the body is read, so a caller that gives up leaves nothing applied.)
   */
  answerLate(route: string, delayMs: number, times = 1): void {
    this.shell.lateAnswers.add({ route, delayMs, times });
  }

  async close(): Promise<void> {
    await this.shell.app.close();
  }
}
