/**
 * GET /api/events — a server-sent-events stream with one `release` event per release change (the
 * release as GET /api/releases/:key answers it), coalesced per release, a comment line as heartbeat, and
 * an end on shutdown so the server stops promptly. Any reader may listen: operator, person or intake
 * token, or a console session (EventSource sends the cookie). A session's stream ends when it expires.
 */
import type { ServerResponse } from 'node:http';
import type { ReleaseView } from '../../runtime/runtime-api.js';
import type { PeopleAuth } from '../auth/people-auth.js';
import { identityOf } from '../auth/person.js';
import type { CdflowApp } from '../route-context.js';
import { bearerOrSession, textResponse, unauthenticated } from '../schemas.js';
import type { WaitingView } from './person-wait-clock.js';
import type { ReleaseChangeFeed } from './release-change-feed.js';

export interface ReleaseEventStreamOptions {
  people: PeopleAuth;
  feed: ReleaseChangeFeed;
  annotate: (view: ReleaseView) => Promise<WaitingView>;
  heartbeatMs: number;
}

interface Listener {
  res: ServerResponse;
  sessionId: string | null;
}

/** A listener that lets this much pile up unread is dropped (its EventSource reconnects and re-reads). */
const maxBufferedBytes = 1024 * 1024;
const reconnectMs = 3_000;

export function registerReleaseEventStream(app: CdflowApp, options: ReleaseEventStreamOptions): void {
  const { people, feed } = options;
  const listeners = new Set<Listener>();

  const drop = (listener: Listener) => {
    listeners.delete(listener);
    listener.res.end();
  };
  const send = (listener: Listener, chunk: string) => {
    // The client went away and 'close' is still on its way: never write to a finished response.
    if (listener.res.writableEnded || listener.res.destroyed) {
      listeners.delete(listener);
      return;
    }
    if (listener.sessionId !== null && people.sessions.find(listener.sessionId) === null) {
      listener.res.write('event: session-ended\ndata: {}\n\n');
      drop(listener);
      return;
    }
    listener.res.write(chunk);
    if (listener.res.writableLength > maxBufferedBytes) listener.res.destroy();
  };

  // Read only while a page listens.
  const stopFeed = feed.on(
    async (view) => {
      if (listeners.size === 0) return;
      let annotated: unknown;
      try {
        annotated = await options.annotate(view);
      } catch (error) {
        // The store closes during shutdown; a page re-reads the release when its stream reconnects.
        app.log.debug({ err: error, releaseId: view.releaseId }, 'live view: could not annotate a change');
        return;
      }
      const chunk = `event: release\nid: ${view.releaseId}:${view.revision}\ndata: ${JSON.stringify(annotated)}\n\n`;
      for (const listener of [...listeners]) send(listener, chunk);
    },
    () => listeners.size > 0,
  );
  const heartbeat = setInterval(() => {
    for (const listener of [...listeners]) send(listener, `: heartbeat ${new Date().toISOString()}\n\n`);
  }, options.heartbeatMs);
  heartbeat.unref();

  // preClose runs before the server waits for open connections: end every stream so close() is prompt.
  app.addHook('preClose', async () => {
    clearInterval(heartbeat);
    stopFeed();
    for (const listener of [...listeners]) drop(listener);
  });

  app.get(
    '/api/events',
    {
      onRequest: people.authenticate(['session', 'person-token', 'operator-token', 'intake-token']),
      schema: {
        summary: 'Live release changes (server-sent events: `release` events carry the release)',
        description:
          'text/event-stream. `event: ready` once subscribed; then `event: release` with the release as ' +
          'GET /api/releases/:key answers it (changes coalesced per release), heartbeat comments, and ' +
          '`event: session-ended` before a console session stream closes.',
        tags: ['releases'],
        security: bearerOrSession,
        response: {
          200: textResponse('text/event-stream', 'The stream: ready, then release events and heartbeats'),
          401: unauthenticated,
        },
      },
    },
    (request, reply) => {
      const { sessionId, person } = identityOf(request);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        // A reverse proxy must pass each event on at once instead of buffering the response.
        'x-accel-buffering': 'no',
        // Once the stream ends (shutdown) the socket goes with it instead of idling in keep-alive.
        connection: 'close',
      });
      const listener: Listener = { res, sessionId };
      listeners.add(listener);
      res.write(
        `retry: ${reconnectMs}\n\nevent: ready\ndata: ${JSON.stringify({ person: person.name })}\n\n`,
      );
      request.log.debug({ person: person.name }, 'event stream opened');
      res.on('error', () => listeners.delete(listener));
      res.on('close', () => {
        listeners.delete(listener);
        request.log.debug({ person: person.name }, 'event stream closed');
      });
    },
  );
}
