/**
 * A pass-through HTTP proxy put between a cdflow child process and one simulator, so a crash test can
 * stop time at an exact point: `holdAfterApply(route)` forwards the next matching request (the upstream
 * applies it, its counters count it) and then holds the answer, which the dead child never receives.
 * That is the worst instant for a crash — the work is done upstream and cdflow has not recorded it — and
 * a latency fault cannot produce it (the simulators add latency before they apply anything).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Hold {
  method: string;
  path: RegExp;
  reached: () => void;
}

export interface UpstreamGate {
  /** Base URL of the proxy (give it to the child instead of the simulator's). */
  url: string;
  /**
   * The next request matching `method` and `path` (tested against the path without the query) is sent
   * upstream, answered there, and its answer is then held forever. Resolves once the upstream answered.
   */
  holdAfterApply(method: string, path: RegExp): Promise<void>;
  /** Requests forwarded so far, as `METHOD /path`. */
  seen(): string[];
  close(): Promise<void>;
}

export async function startUpstreamGate(target: string): Promise<UpstreamGate> {
  const upstream = new URL(target);
  const holds: Hold[] = [];
  const seen: string[] = [];
  const held = new Set<IncomingMessage>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const method = req.method ?? 'GET';
      seen.push(`${method} ${path}`);
      const holdIndex = holds.findIndex((h) => h.method === method && h.path.test(path));
      const hold = holdIndex >= 0 ? holds.splice(holdIndex, 1)[0] : undefined;
      const headers = { ...req.headers, host: upstream.host };
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method,
          path: req.url,
          headers,
        },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (c: Buffer) => body.push(c));
          answer.on('end', () => {
            if (hold) {
              // The upstream has done the work; the caller never hears of it.
              held.add(req);
              hold.reached();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      forward.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `gate: ${error.message}` }));
      });
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    holdAfterApply(method, path) {
      return new Promise<void>((reached) => holds.push({ method, path, reached }));
    },
    seen: () => [...seen],
    async close() {
      for (const req of held) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
