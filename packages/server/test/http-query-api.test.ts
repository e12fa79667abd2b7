import { describe, expect, it } from 'vitest';
import { jsonInit, releaseRequest, sharedTestServer, testTokens } from './support/test-server.js';

const server = sharedTestServer();

describe('health, machine and documentation', () => {
  it('GET /healthz and /readyz answer 200 while the runtime runs', async () => {
    expect((await server.request('/healthz')).status).toBe(200);
    const ready = await server.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('GET /api/machine gives the definition and a Mermaid diagram', async () => {
    const res = await server.request('/api/machine');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      version: number;
      definition: Record<string, unknown>;
      mermaid: string;
    };
    expect(typeof body.version).toBe('number');
    expect(JSON.stringify(body.definition)).toContain('uatComplete');
    expect(body.mermaid).toContain('uatComplete');
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const res = await server.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/cicdflow/',
        '/cicdflow/jira/',
        '/api/releases',
        '/api/releases/{key}',
        '/api/releases/{key}/effects/{id}/retry',
        '/api/machine',
      ]),
    );
    // The retry of a failed effect: a person's call, its answers documented.
    const retry = (doc.paths['/api/releases/{key}/effects/{id}/retry'] as Record<string, unknown>).post as {
      parameters: Array<{ name: string; in: string }>;
      responses: Record<string, unknown>;
    };
    expect(retry.parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['path:id', 'path:key']);
    expect(Object.keys(retry.responses)).toEqual(expect.arrayContaining(['200', '404', '409']));
    const docs = await server.request('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
  });
});

describe('releases through intake and the query API', () => {
  const summary = '【A18】【升级】http_query_01';

  it('a new release → 201 with its state and plan; it can then be read, listed, queried the legacy way', async () => {
    const res = await server.request('/cicdflow/', jsonInit(releaseRequest(summary), testTokens.intake));
    expect(res.status).toBe(201);
    const created = (await res.json()) as {
      releaseId: string;
      summary: string;
      state: string;
      iteration: number;
      plan: { sql: unknown[] };
    };
    expect(created).toMatchObject({ summary, iteration: 1 });
    expect(created.state).toMatch(/^sqlPending/);
    expect(created.plan.sql).toHaveLength(1);

    const one = await server.request(`/api/releases/${encodeURIComponent(created.releaseId)}`, {
      token: testTokens.operator,
    });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ summary, project: 'A18', env: 'UAT' });

    const list = await server.request('/api/releases?project=A18&limit=10', { token: testTokens.intake });
    const listed = (await list.json()) as { total: number; items: Array<{ summary: string }> };
    expect(listed.items.map((r) => r.summary)).toContain(summary);

    const history = await server.request(`/api/releases/${encodeURIComponent(created.releaseId)}/history`, {
      token: testTokens.operator,
    });
    expect(history.status).toBe(200);
    expect(((await history.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);

    const legacy = await server.request(`/cicdflow/?summary=${encodeURIComponent(summary)}`, {
      token: testTokens.intake,
    });
    expect(legacy.status).toBe(200);
    const status = (await legacy.json()) as {
      code: number;
      data: { summary: string; upgrade_status: number };
    };
    expect(status.code).toBe(10200);
    expect(status.data.summary).toBe(summary);
    expect(typeof status.data.upgrade_status).toBe('number');
  });

  it('an unknown release → 404 on every read', async () => {
    for (const path of ['/api/releases/AC-404404', '/api/releases/AC-404404/history']) {
      const res = await server.request(path, { token: testTokens.operator });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe('not_found');
    }
  });

  it('legacy status, as the original answered: unknown summary → HTTP 200 code 10404, missing summary → 10500', async () => {
    const unknown = await server.request('/cicdflow/?summary=nope', { token: testTokens.intake });
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({
      code: 10404,
      msg: 'failed',
      data: { error: expect.stringContaining('nope') },
    });
    const missing = await server.request('/cicdflow/', { token: testTokens.intake });
    expect(missing.status).toBe(200);
    expect(await missing.json()).toMatchObject({ code: 10500, msg: 'failed' });
  });

  it('list paging is validated: limit above 200 → 400 naming the parameter', async () => {
    const res = await server.request('/api/releases?limit=500', { token: testTokens.operator });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('limit');
  });
});
