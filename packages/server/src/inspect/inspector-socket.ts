/**
 * The connection to a Stately inspector's WebSocket relay, as an adapter of @statelyai/inspect's
 * `createInspector`. Unlike the package's own WebSocket adapter it reconnects after the relay closes
 * (a platform engineer starts and stops the inspector while cdflow runs), backs off with core's
 * RetryPolicy, keeps a bounded buffer while disconnected (oldest dropped), and leaves no timer behind
 * once stopped.
 */
import { compileRetryPolicy, retryDelayMs } from '@cdflow/core';
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import WebSocket from 'ws';

export interface InspectorSocketOptions {
  url: string;
  /** Events kept while the relay is unreachable. Default 1000. */
  maxBuffered?: number;
  /** Told each time the connection opens (the inspector announces the releases again). */
  onOpen?: () => void;
  /** Told when a connection attempt fails or the relay closes (never with the URL's credentials). */
  onDown?: (reason: string) => void;
}

const reconnectPolicy = compileRetryPolicy({
  initialIntervalMs: 500,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
});

export class InspectorSocket {
  private ws: WebSocket | null = null;
  private open = false;
  private stopped = true;
  private attempts = 0;
  private retry: NodeJS.Timeout | null = null;
  private readonly buffer: string[] = [];

  constructor(private readonly options: InspectorSocketOptions) {}

  /** Whether events go out now (tests, the readiness of a watcher). */
  get connected(): boolean {
    return this.open;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.open = false;
    this.ws?.close();
    this.ws = null;
  }

  /**
   * Resolves once the relay has every event sent so far (connected, nothing buffered, the socket's
   * own buffer written out), or after `timeoutMs`; true when everything went out.
   */
  async drained(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ws = this.ws;
      if (this.open && ws && this.buffer.length === 0 && ws.bufferedAmount === 0) return true;
      if (Date.now() >= deadline || this.stopped) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  send(event: StatelyInspectionEvent): void {
    const text = JSON.stringify(event);
    if (this.open && this.ws) {
      this.ws.send(text);
      return;
    }
    this.buffer.push(text);
    if (this.buffer.length > (this.options.maxBuffered ?? 1000)) this.buffer.shift();
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.options.url);
    this.ws = ws;
    ws.on('open', () => {
      if (this.ws !== ws) return;
      this.open = true;
      this.attempts = 0;
      this.options.onOpen?.();
      for (const text of this.buffer.splice(0)) ws.send(text);
    });
    ws.on('message', () => undefined);
    ws.on('error', (error) => {
      // 'close' follows; the reason is the socket's code only (ECONNREFUSED, ...).
      this.options.onDown?.((error as NodeJS.ErrnoException).code ?? 'connection error');
    });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.open = false;
      this.ws = null;
      if (this.stopped) return;
      this.attempts += 1;
      this.retry = setTimeout(
        () => {
          this.retry = null;
          this.connect();
        },
        retryDelayMs(reconnectPolicy, this.attempts),
      );
      this.retry.unref();
    });
  }
}
