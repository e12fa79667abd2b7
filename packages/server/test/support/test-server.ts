/**
 * Starts a real cdflow server for HTTP tests: sandbox simulators in-process, a real SQLite file in a
 * temp dir, an ephemeral port, and a pino logger whose output the test can read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, loadConfig, type RunningServer, type ServerConfig, startServer } from '@cdflow/server';
import { afterAll, beforeAll } from 'vitest';
import { releaseRequestExample } from '../../src/http/routes/intake-route.js';

export const testTokens = {
  intake: 'test-intake-token-5f1c2a9e',
  operator: 'test-operator-token-8b3d7e41',
  webhook: 'test-webhook-secret-2c6a9f03',
};

export interface TestServer extends RunningServer {
  /** Everything the server logged so far, one JSON line per entry. */
  logText(): string;
  /** fetch against the server, path relative to its URL. */
  request(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cdflow-http-'));
  const config: ServerConfig = {
    ...loadConfig({
      CDFLOW_SANDBOX: '1',
      CDFLOW_DB: join(dir, 'cdflow.sqlite'),
      CDFLOW_INTAKE_TOKEN: testTokens.intake,
      CDFLOW_OPERATOR_TOKEN: testTokens.operator,
      CDFLOW_WEBHOOK_SECRET: testTokens.webhook,
      CDFLOW_LOG_LEVEL: 'debug',
    }),
    port: 0,
    ...overrides,
  };
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const server = await startServer(config, { logger: createLogger({ level: 'debug', destination }) });
  return {
    ...server,
    logText: () => lines.join(''),
    request: (path, init = {}) => {
      const { token, headers, ...rest } = init;
      const merged = new Headers(headers);
      if (token !== undefined) merged.set('authorization', `Bearer ${token}`);
      return fetch(`${server.url}${path}`, { ...rest, headers: merged });
    },
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One test server for every test of the file: started before the first, stopped after the last. Call it
 * at the top level of a test file; the handle it returns stands for the server once it has started.
 */
export function sharedTestServer(overrides: Partial<ServerConfig> = {}): TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(overrides);
  });
  afterAll(() => server?.stop());
  return new Proxy({} as TestServer, {
    get(_, property) {
      if (server === undefined) throw new Error('the shared test server is used before it has started');
      return Reflect.get(server, property);
    },
  });
}

export function jsonInit(body: unknown, token?: string): RequestInit & { token?: string } {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(token !== undefined ? { token } : {}),
  };
}

/** A valid first-upgrade request: the OpenAPI document's example under its own summary and SQL item names. */
export function releaseRequest(summary: string, overrides: Record<string, unknown> = {}) {
  const [sql] = releaseRequestExample.sql_info;
  return {
    ...releaseRequestExample,
    summary,
    sql_info: [{ ...sql, sql_id: 'a18-http-01', svn_file: '01.acc_member_points.sql' }],
    ...overrides,
  };
}
