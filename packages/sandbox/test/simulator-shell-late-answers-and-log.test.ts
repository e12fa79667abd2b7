import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulatorApp, listenEphemeral, type SimulatorShell } from '../src/common/index.js';

// A tiny simulator on the shared shell: `POST /orders` saves an order (201) or refuses an empty name (400).
let shell: SimulatorShell;
let url: string;
let saved: string[];
const route = 'POST /orders';

beforeEach(async () => {
  shell = createSimulatorApp();
  saved = [];
  shell.app.post<{ Body: { name?: string } }>('/orders', async (request, reply) => {
    if (!request.body?.name) return reply.code(400).send({ error: 'name is required' });
    saved.push(request.body.name);
    return reply.code(201).send({ saved: request.body.name });
  });
  shell.app.get('/orders', async () => ({ saved }));
  url = await listenEphemeral(shell.app);
});
afterEach(async () => {
  await shell.app.close();
});

/** The status answered, or 'dropped' when the connection closed without an answer. */
async function order(name: string, signal?: AbortSignal): Promise<number | 'dropped' | 'gave up'> {
  try {
    const res = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
      ...(signal ? { signal } : {}),
    });
    await res.text();
    return res.status;
  } catch (error) {
    if (signal?.aborted) return 'gave up';
    if (error instanceof TypeError) return 'dropped';
    throw error;
  }
}

describe('simulator shell: late answers', () => {
  it('applies the call, then drops the connection, for exactly `times` calls', async () => {
    shell.lateAnswers.add({ route, dropConnection: true, times: 2 });

    expect(await order('first')).toBe('dropped');
    expect(await order('second')).toBe('dropped');
    expect(await order('third')).toBe(201);
    expect(saved).toEqual(['first', 'second', 'third']);
  });

  it('applies the call before a late answer, so a caller that gives up still finds the change made', async () => {
    shell.lateAnswers.add({ route, delayMs: 1_000 });

    expect(await order('slow', AbortSignal.timeout(100))).toBe('gave up');
    expect(saved).toEqual(['slow']);
    // The rule is used up: the next call is answered.
    expect(await order('next')).toBe(201);
  });

  it('counts only the handler answers of the status a rule names, never refusals or injected faults', async () => {
    shell.lateAnswers.add({ route, dropConnection: true, status: 201 });
    shell.faults.inject({ route, status: 201, body: { injected: true }, times: 1 });

    expect(await order('injected')).toBe(201);
    expect(await order('')).toBe(400);
    expect(await order('saved')).toBe('dropped');
    expect(await order('after')).toBe(201);
    expect(saved).toEqual(['saved', 'after']);
  });

  it('leaves other routes and the /__sim/ control API alone', async () => {
    shell.lateAnswers.add({ route: 'GET /orders', dropConnection: true });
    shell.lateAnswers.add({ route: 'GET /__sim/counters', dropConnection: true });

    expect(await order('kept')).toBe(201);
    expect((await fetch(`${url}/__sim/counters`)).status).toBe(200);
    await expect(fetch(`${url}/orders`)).rejects.toThrow(TypeError);
  });
});

describe('simulator shell: request log', () => {
  it('records every API answer in arrival order with route, status and arrival time, faults included', async () => {
    shell.faults.inject({ route, status: 503, times: 1 });
    const before = Date.now();

    expect(await order('x')).toBe(503);
    expect(await order('')).toBe(400);
    expect(await order('y')).toBe(201);
    await fetch(`${url}/__sim/counters`);
    await fetch(`${url}/no-such-route`);
    const after = Date.now();

    const records = shell.requests.records();
    expect(records.map((r) => [r.method, r.route, r.url, r.status])).toEqual([
      ['POST', route, '/orders', 503],
      ['POST', route, '/orders', 400],
      ['POST', route, '/orders', 201],
    ]);
    for (const r of records) {
      expect(r.receivedAt).toBeGreaterThanOrEqual(before);
      expect(r.receivedAt).toBeLessThanOrEqual(after);
    }
    expect(records.map((r) => r.receivedAt)).toEqual(
      [...records.map((r) => r.receivedAt)].sort((a, b) => a - b),
    );
    expect(shell.requests.requests(route)[2]).toEqual({
      route,
      status: 201,
      receivedAt: records[2]?.receivedAt,
    });
    expect(shell.requests.requests('GET /orders')).toEqual([]);
  });
});
