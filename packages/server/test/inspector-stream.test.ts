import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { closingAfterEach, sampleRequest, startHarness } from './support/e2e-harness.js';
import { until } from './support/notification-sinks.js';

/** A local WebSocket server standing in for the Stately inspector's relay: it keeps every record. */
interface Relay {
  url: string;
  records: Array<Record<string, unknown>>;
  clients: Set<WebSocket>;
  close(): Promise<void>;
}

async function startRelay(): Promise<Relay> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const relay: Relay = {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    records: [],
    clients: new Set(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of relay.clients) c.terminate();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (ws) => {
    relay.clients.add(ws);
    ws.on('close', () => relay.clients.delete(ws));
    ws.on('message', (data) => relay.records.push(JSON.parse(String(data)) as Record<string, unknown>));
  });
  return relay;
}

const closedAfterTest = closingAfterEach();

const of = (records: Array<Record<string, unknown>>, type: string, sessionId: string) =>
  records.filter((r) => r.type === type && r.sessionId === sessionId);

describe('CDFLOW_INSPECT_URL: the Stately inspector stream', () => {
  it("streams each release's transitions: the actor with the machine, every event, every snapshot", async () => {
    const relay = await closedAfterTest(startRelay());
    const h = await closedAfterTest(
      startHarness({ sqlMode: 'auto', env: { CDFLOW_INSPECT_URL: relay.url } }),
    );
    const key = String((await h.intake(sampleRequest({ config_info: [] }))).body.key);
    const done = await h.waitForState(key, 'uatComplete');
    const releaseId = String(done.releaseId);
    const snapshots = () => of(relay.records ?? [], '@xstate.snapshot', releaseId);
    await until('the uatComplete snapshot', () =>
      snapshots().find((s) => (s.snapshot as { value?: unknown }).value === 'uatComplete'),
    );

    const [actor, ...more] = of(relay.records, '@xstate.actor', releaseId);
    expect(more).toEqual([]);
    expect(actor!.name).toBe('release');
    // The definition is the release machine's own chart: the inspector draws it.
    const definition = JSON.parse(String(actor!.definition)) as {
      id: string;
      states: Record<string, unknown>;
    };
    expect(definition.id).toBe('release');
    expect(Object.keys(definition.states)).toEqual(
      expect.arrayContaining([
        'sqlPending',
        'sqlExecuting',
        'configExecuting',
        'codeExecuting',
        'uatComplete',
      ]),
    );

    const events = of(relay.records, '@xstate.event', releaseId).map(
      (e) => (e.event as { type: string }).type,
    );
    expect(events[0]).toBe('xstate.init');
    expect(events).toEqual(
      expect.arrayContaining(['ISSUE_READY', 'SQL_ORDER_SUBMITTED', 'DEPLOY_TASKS_POLLED']),
    );
    // The history and the stream agree: one event record per decided event.
    const decided = (await h.history(key)).filter((e) => !String(e.event).startsWith('effect:'));
    expect(events).toHaveLength(decided.length);

    const last = snapshots().at(-1)!;
    expect(last.snapshot).toMatchObject({
      status: 'active',
      value: 'uatComplete',
      context: { issueKey: key },
    });
    expect((last.event as { type: string }).type).toBe('DEPLOY_TASKS_POLLED');
  });

  it('a relay that drops the connection gets the later transitions after cdflow reconnects', async () => {
    const relay = await closedAfterTest(startRelay());
    const h = await closedAfterTest(
      startHarness({ sqlMode: 'auto', env: { CDFLOW_INSPECT_URL: relay.url } }),
    );
    const first = await h.intake(sampleRequest({ config_info: [] }));
    await h.waitForState(String(first.body.key), 'uatComplete');
    await until('connected', () => h.server.inspector?.socket.connected);
    for (const client of relay.clients) client.terminate();
    await until('reconnected', () => relay.clients.size === 1 && h.server.inspector?.socket.connected);

    const second = await h.intake(sampleRequest({ config_info: [] }));
    const done = await h.waitForState(String(second.body.key), 'uatComplete');
    await until('the second release on the new connection', () =>
      of(relay.records ?? [], '@xstate.snapshot', String(done.releaseId)).find(
        (s) => (s.snapshot as { value?: unknown }).value === 'uatComplete',
      ),
    );
    expect(of(relay.records, '@xstate.actor', String(done.releaseId))).toHaveLength(1);
  });
});
