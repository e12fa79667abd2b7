/**
 * Streams every release's committed decisions to a Stately inspector (CDFLOW_INSPECT_URL): a listener
 * on the runtime's change feed turns each decision into inspection records (release-inspection.ts) and
 * the InspectorSocket carries them to the relay. Nothing waits for the inspector: sending is a buffered
 * write, and an unreachable inspector costs a reconnect attempt now and then.
 */
import { createInspector } from '@statelyai/inspect';
import type { Logger } from 'pino';
import type { ReleaseChange, ReleaseRuntimeApi } from '../runtime/runtime-api.js';
import { InspectorSocket } from './inspector-socket.js';
import { inspectDecision, type StatelyInspector } from './release-inspection.js';

export interface ReleaseInspectorOptions {
  runtime: Pick<ReleaseRuntimeApi, 'subscribe'>;
  url: string;
  logger: Logger;
}

export class ReleaseInspector {
  readonly socket: InspectorSocket;
  private readonly inspector: StatelyInspector & { start(): void; stop(): void };
  /** Releases registered on the current connection. */
  private readonly announced = new Set<string>();
  private unsubscribe: (() => void) | null = null;
  private down = false;

  constructor(private readonly options: ReleaseInspectorOptions) {
    this.socket = new InspectorSocket({
      url: options.url,
      onOpen: () => {
        // A relay that restarted lost the registrations: announce each release again at its next decision.
        this.announced.clear();
        this.down = false;
        options.logger.info('Stately inspector connected: streaming release transitions');
      },
      onDown: (reason) => {
        if (this.down) return;
        this.down = true;
        options.logger.warn({ reason }, 'Stately inspector unreachable; cdflow keeps trying to connect');
      },
    });
    this.inspector = createInspector(this.socket, { autoStart: false });
  }

  start(): void {
    this.socket.start();
    this.unsubscribe ??= this.options.runtime.subscribe((change) => this.heard(change));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.socket.stop();
  }

  private heard(change: ReleaseChange): void {
    const decided = change.decided;
    if (!decided) return;
    try {
      const announce = !this.announced.has(change.releaseId);
      inspectDecision(
        this.inspector,
        { releaseId: change.releaseId, event: decided.event, decision: decided.decision },
        announce,
      );
      this.announced.add(change.releaseId);
    } catch (error) {
      this.options.logger.debug({ err: error, releaseId: change.releaseId }, 'inspector: record not sent');
    }
  }
}
