import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConsoleDist } from '../src/http/console/console-assets.js';
import { tokens } from './support/e2e-harness.js';
import { type PeopleHarness, startPeopleHarness } from './support/people-harness.js';

const page =
  '<!doctype html><html><body><div id="app"></div><script src="/ui/assets/app-4f2a9c.js"></script></body></html>';
const script = `console.log(${JSON.stringify('cdflow console '.repeat(50))});`;

let dir: string;
let h: PeopleHarness;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdflow-console-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), page);
  writeFileSync(join(dir, 'assets', 'app-4f2a9c.js'), script);
  writeFileSync(join(dir, 'assets', 'app-4f2a9c.js.br'), brotliCompressSync(script));
  h = await startPeopleHarness({
    config: {
      console: { distDir: dir, archeryUrl: 'https://archery.example.com' },
      people: { events: { SQL_CONFIRMED: ['dba'] } },
    },
  });
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${h.url}${path}`, { headers, redirect: 'manual' });

describe('the web console is served by the server', () => {
  it('/ and every /ui/… page answer the page, revalidated on each load, with a strict CSP', async () => {
    for (const path of ['/', '/ui/', '/ui/releases/AC-1']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(await res.text()).toBe(page);
    }
  });

  it('/ui redirects to /ui/', async () => {
    const res = await get('/ui');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/ui/');
  });

  it('bundles are cached for a year, and sent brotli-compressed to browsers that accept it', async () => {
    const br = await get('/ui/assets/app-4f2a9c.js', { 'accept-encoding': 'br, gzip' });
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await br.text()).toBe(script);
    const plain = await get('/ui/assets/app-4f2a9c.js', { 'accept-encoding': 'identity' });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(Number(plain.headers.get('content-length'))).toBe(Buffer.byteLength(script));
  });

  it('a bundle that is not there is a 404 that no cache keeps; paths out of the folder are refused', async () => {
    const missing = await get('/ui/assets/app-0000.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBeNull();
    for (const path of ['/ui/assets/../../../../etc/passwd', '/ui/assets/%2e%2e/%2e%2e/index.html']) {
      const res = await get(path);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(await res.text()).not.toContain('root:');
    }
  });

  it('the API is unchanged beside it', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/api/releases')).status).toBe(401);
  });

  it('by default the server serves the built packages/console/dist', () => {
    expect(defaultConsoleDist()?.replaceAll('\\', '/')).toMatch(/packages\/console\/dist$/);
  });
});

describe('without a build', () => {
  it('/ says plainly that the console is not built and how to build it; the API still works', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cdflow-console-none-'));
    const bare = await startPeopleHarness({ config: { console: { distDir: empty } } });
    try {
      for (const path of ['/', '/ui/releases/AC-1']) {
        const res = await fetch(`${bare.url}${path}`);
        expect(res.status).toBe(503);
        const text = await res.text();
        expect(text).toContain('The cdflow console is not built');
        expect(text).toContain('npx --yes pnpm@10 build');
        expect(text).toContain(empty);
      }
      expect((await fetch(`${bare.url}/readyz`)).status).toBe(200);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('GET /api/console/settings', () => {
  it('needs credentials', async () => {
    expect((await h.call('/api/console/settings')).status).toBe(401);
  });

  it("gives the site's Jira names, link bases, the stuck threshold and who may send what", async () => {
    const { status, body } = await h.call('/api/console/settings', { token: tokens.intake });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      stuckAfterMinutes: 120,
      archeryUrl: 'https://archery.example.com',
      jiraUrl: h.sandbox.urls.jira,
      jiraStatuses: { sqlPending: 'SQL待执行', uatComplete: 'UAT升级完成' },
    });
    const events = body.personEvents as Array<Record<string, unknown>>;
    expect(events.find((e) => e.type === 'SQL_CONFIRMED')).toEqual({
      type: 'SQL_CONFIRMED',
      jiraTransition: 'SQL升级成功',
      takesReason: false,
      allowedGroups: ['dba'],
    });
    expect(events.find((e) => e.type === 'CONFIG_REPORTED_FAILED')).toMatchObject({
      jiraTransition: '配置升级失败',
      takesReason: true,
      allowedGroups: null,
    });
    // Production: an approval is the current step's transition, a rejection takes a reason.
    expect(events.find((e) => e.type === 'PROD_APPROVED')).toMatchObject({
      jiraTransition: 'DBA审批通过 / SA审批通过 / 组长审批通过',
      takesReason: false,
    });
    expect(events.find((e) => e.type === 'PROD_REJECTED')).toMatchObject({
      jiraTransition: '审批驳回',
      takesReason: true,
    });
    expect(events).toHaveLength(14);
  });
});
