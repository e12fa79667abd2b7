/**
 * The server's live stream (GET /api/events, server-sent events) for the whole page: one EventSource,
 * any number of listeners. EventSource reconnects by itself; a listener hears `open` after each
 * (re)connection so it can re-read what it may have missed while disconnected.
 */
import type { Release } from './api-types.js';

export type LiveStatus = 'connecting' | 'live' | 'offline';

export interface LiveListener {
  release?(release: Release): void;
  open?(): void;
  status?(status: LiveStatus): void;
  sessionEnded?(): void;
}

export class LiveEvents {
  private source: EventSource | null = null;
  private readonly listeners = new Set<LiveListener>();
  private current: LiveStatus = 'offline';

  get status(): LiveStatus {
    return this.current;
  }

  start(): void {
    if (this.source !== null) return;
    const source = new EventSource('/api/events');
    this.source = source;
    this.setStatus('connecting');
    source.addEventListener('ready', () => {
      this.setStatus('live');
      for (const l of this.listeners) l.open?.();
    });
    source.addEventListener('release', (event) => {
      const release = JSON.parse((event as MessageEvent<string>).data) as Release;
      for (const l of this.listeners) l.release?.(release);
    });
    source.addEventListener('session-ended', () => {
      this.stop();
      for (const l of this.listeners) l.sessionEnded?.();
    });
    source.addEventListener('error', () => {
      this.setStatus(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    });
  }

  stop(): void {
    this.source?.close();
    this.source = null;
    this.setStatus('offline');
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.current) return;
    this.current = status;
    for (const l of this.listeners) l.status?.(status);
  }
}
