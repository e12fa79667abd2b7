import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocketServer } from 'ws';
import { parseArgs, runInspectMachine, UsageError } from '../src/run-inspect-machine.js';

/** A local WebSocket server standing in for Stately's inspector relay, closed when the test ends. */
async function startRelay() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const records: Array<Record<string, unknown>> = [];
  server.on('connection', (ws) =>
    ws.on('message', (data) => records.push(JSON.parse(String(data)) as Record<string, unknown>)),
  );
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    records,
  };
}

/** Poll until `probe` holds (records arrive asynchronously), failing after a deadline. */
async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('examples/inspect-machine', () => {
  it('walks the sample release to uatComplete and every record reaches the inspector', async () => {
    const relay = await startRelay();
    const lines: string[] = [];
    const run = await runInspectMachine(parseArgs(['--headless', '--url', relay.url]), (l) => lines.push(l));
    expect(run.states.at(-1)).toBe('uatComplete');
    expect(lines.at(-1)).toBe(`sent ${run.states.length} decisions to ${relay.url}`);
    const snapshots = () => relay.records.filter((r) => r.type === '@xstate.snapshot');
    await until('every snapshot', () => snapshots().length === run.states.length);
    // The DBA's SQL升级成功 is checked on a fresh read of Archery, which moves the release on.
    expect(lines.some((l) => l.startsWith('SQL_CONFIRMED') && l.endsWith('-> sqlExecuting.confirming'))).toBe(
      true,
    );
    expect(
      lines.some(
        (l) =>
          l.startsWith('SQL_CONFIRMATION_CHECKED') && l.endsWith('-> configExecuting.awaitingConfirmation'),
      ),
    ).toBe(true);

    const actors = relay.records.filter((r) => r.type === '@xstate.actor');
    expect(actors).toHaveLength(1);
    expect(actors[0]!.sessionId).toBe('sample-release');
    expect(JSON.parse(String(actors[0]!.definition))).toMatchObject({ id: 'release', initial: 'sqlPending' });
    const events = relay.records
      .filter((r) => r.type === '@xstate.event')
      .map((r) => (r.event as { type: string }).type);
    expect(events).toEqual([
      'xstate.init',
      'ISSUE_READY',
      'POLICY_CHECKED',
      'SQL_ROUTES_RESOLVED',
      'SQL_CHECKED',
      'SQL_ORDER_SUBMITTED',
      'SQL_CONFIRMED',
      'SQL_CONFIRMATION_CHECKED',
      'CONFIG_CONFIRMED',
      'DEPLOY_TARGETS_FOUND',
      'DEPLOYS_REPORTED',
      'TIMER_FIRED',
      'DEPLOY_TASKS_POLLED',
    ]);
    const values = relay.records
      .filter((r) => r.type === '@xstate.snapshot')
      .map((r) => JSON.stringify((r.snapshot as { value: unknown }).value));
    expect(values[0]).toBe('{"sqlPending":"awaitingPolicy"}');
    expect(values).toContain('{"sqlExecuting":"watching"}');
    expect(values).toContain('{"sqlExecuting":"confirming"}');
    expect(values.at(-1)).toBe('"uatComplete"');
  });

  it('refuses unknown options with a usage line', () => {
    expect(() => parseArgs(['--open'])).toThrow(UsageError);
    expect(() => parseArgs(['--url', 'http://localhost:8080'])).toThrow(
      '--url: expected a ws:// or wss:// URL',
    );
  });
});
