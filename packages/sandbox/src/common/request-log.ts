/**
 * What a simulator answered, in arrival order, so tests can check a client's back-off and retries from
 * the server side. Filled by `createSimulatorApp` for every API route (not the `/__sim/` control routes).
 */

/** One answered request: its route as the counters name it and when it arrived. */
export interface SimulatorRequest {
  /** `METHOD /route/:pattern` as registered, e.g. `POST /api/v1/projects/:id/upgrade`. */
  route: string;
  /** The status answered (also an injected fault's). */
  status: number;
  /** Epoch ms when the request arrived. */
  receivedAt: number;
}

/** A `SimulatorRequest` with the method and the URL actually called. */
export interface SimulatorRequestRecord extends SimulatorRequest {
  method: string;
  url: string;
}

export class RequestLog {
  private readonly entries: SimulatorRequestRecord[] = [];

  record(entry: SimulatorRequestRecord): void {
    this.entries.push(entry);
  }

  /** Every answered request (or only `route`'s), oldest first, with its method and URL. */
  records(route?: string): SimulatorRequestRecord[] {
    return this.entries.filter((e) => route === undefined || e.route === route).map((e) => ({ ...e }));
  }

  /** Every answered request (or only `route`'s), oldest first: route, status and arrival time. */
  requests(route?: string): SimulatorRequest[] {
    return this.records(route).map(({ route: r, status, receivedAt }) => ({ route: r, status, receivedAt }));
  }
}
