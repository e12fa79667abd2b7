/**
 * Webhooks registered with one `balance` name stand for replicas behind a load balancer: each delivery
 * reaches exactly one of them (chosen at random), while a webhook without a name still gets every one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JiraSimulator } from '../src/jira/index.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

let sim: JiraSimulator;
const receivers: WebhookReceiver[] = [];
/** Per receiver (index), the bodies it was sent. */
const received: string[][] = [];

async function receiver(): Promise<string> {
  const index = received.length;
  received.push([]);
  const server = await startWebhookReceiver('/cicdflow/jira/', (body) => {
    received[index]?.push(body);
  });
  receivers.push(server);
  return server.url;
}

beforeAll(async () => {
  sim = await JiraSimulator.start();
});

afterAll(async () => {
  await sim.close();
  await Promise.all(receivers.map((s) => s.close()));
});

describe('balanced webhooks of the Jira simulator', () => {
  it('sends each delivery to one random member of a balance group and to every plain webhook', async () => {
    const replicas = [await receiver(), await receiver(), await receiver()];
    const plain = await receiver();
    for (const url of replicas) sim.registerWebhook({ url, balance: 'cdflow', jql: 'project = QC' });
    sim.registerWebhook({ url: plain, jql: 'project = QC' });

    const issues = 40;
    for (let i = 0; i < issues; i++) {
      const created = await fetch(`${sim.url}/rest/api/2/issue`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sim.credentials.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          fields: { project: { key: 'QC' }, issuetype: { name: '升级' }, summary: `balanced ${i}` },
        }),
      });
      expect(created.status).toBe(201);
    }
    await sim.flushWebhooks();

    const keysOf = (bodies: string[]) =>
      bodies.map((b) => (JSON.parse(b) as { issue: { key: string } }).issue.key);
    const balancedKeys = [0, 1, 2].flatMap((i) => keysOf(received[i] ?? []));
    // Every delivery reached exactly one replica, none twice, none lost.
    expect(balancedKeys).toHaveLength(issues);
    expect(new Set(balancedKeys).size).toBe(issues);
    expect(new Set(balancedKeys)).toEqual(new Set(keysOf(received[3] ?? [])));
    // Spread at random: with 40 deliveries each of three replicas gets some (a miss has odds 3·(2/3)^40).
    for (const i of [0, 1, 2]) expect(received[i]?.length ?? 0).toBeGreaterThan(0);
    // The log keeps one record per delivery sent, with the replica it went to.
    const log = sim.webhookDeliveries().filter((d) => replicas.includes(d.url));
    expect(log).toHaveLength(issues);
  });
});
