/**
 * A real cdflow server for the backup tests, started the way the server's own HTTP tests start one:
 * sandbox mode (the simulators in-process), the SQLite file the test names, an ephemeral port. Its log
 * is silenced: the assertions say what went wrong (HTTP statuses and bodies).
 */
import {
  createLogger,
  loadConfig,
  type RunningServer,
  sampleReleaseRequest,
  startServer,
} from '@cdflow/server';

export const tokens = {
  intake: 'cli-test-intake-token-7d2e91c4',
  operator: 'cli-test-operator-token-3a8f60b2',
  webhook: 'cli-test-webhook-secret-5c19e7d8',
};

export interface SandboxServer {
  server: RunningServer;
  /** POST /cicdflow/ as the release system; resolves with the created release's id. */
  postRelease(summary: string): Promise<string>;
  /** GET /api/releases/:id as an operator: the HTTP status and the body. */
  getRelease(releaseId: string): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export async function startSandboxServer(dbPath: string): Promise<SandboxServer> {
  const config = {
    ...loadConfig({
      CDFLOW_SANDBOX: '1',
      CDFLOW_DB: dbPath,
      CDFLOW_INTAKE_TOKEN: tokens.intake,
      CDFLOW_OPERATOR_TOKEN: tokens.operator,
      CDFLOW_WEBHOOK_SECRET: tokens.webhook,
    }),
    port: 0,
  };
  const server = await startServer(config, { logger: createLogger({ level: 'silent' }) });
  return {
    server,
    async postRelease(summary) {
      const res = await fetch(`${server.url}/cicdflow/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.intake}` },
        body: JSON.stringify(sampleReleaseRequest(summary)),
      });
      const body = (await res.json()) as { releaseId?: string };
      if (res.status !== 201 || typeof body.releaseId !== 'string') {
        throw new Error(`POST /cicdflow/ answered ${res.status}: ${JSON.stringify(body)}`);
      }
      return body.releaseId;
    },
    async getRelease(releaseId) {
      const res = await fetch(`${server.url}/api/releases/${encodeURIComponent(releaseId)}`, {
        headers: { authorization: `Bearer ${tokens.operator}` },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    stop: () => server.close(),
  };
}
