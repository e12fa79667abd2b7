import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonInit, releaseRequest, sharedTestServer, testTokens } from './support/test-server.js';

const server = sharedTestServer({ bodyLimitBytes: 64 * 1024 });

const post = (body: unknown, init: RequestInit = {}) =>
  server.request('/cicdflow/', { ...jsonInit(body, testTokens.intake), ...init });

interface ErrorAnswer {
  error: string;
  message: string;
  errors?: Array<{ path: string; message: string }>;
  knownProjects?: string[];
}

describe('POST /cicdflow/ refuses bad input with a 4xx naming the problem', () => {
  it('malformed JSON → 400 invalid_json', async () => {
    const res = await post('{"project": "A18", ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorAnswer;
    expect(body.error).toBe('invalid_json');
    expect(body.message).toMatch(/not valid JSON/);
  });

  it('empty JSON body → 400 naming it', async () => {
    const res = await post('');
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorAnswer).message).toMatch(/empty/);
  });

  it('missing fields → 400 listing each missing field', async () => {
    const res = await post({ project: 'A18' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorAnswer;
    expect(body.error).toBe('invalid_request');
    const paths = body.errors?.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/summary', '/env', '/sql_info', '/apollo_info', '/config_info', '/code_info']),
    );
    expect(body.message).toContain('/summary');
  });

  it('wrong types → 400 naming the field and the expected type', async () => {
    const res = await post(releaseRequest('【A18】【升级】types', { summary: 42, sql_info: 'none' }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorAnswer;
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: '/summary', message: expect.stringMatching(/string/) },
        { path: '/sql_info', message: expect.stringMatching(/array/) },
      ]),
    );
  });

  it('a wrong nested item → 400 with the item path', async () => {
    const request = releaseRequest('【A18】【升级】nested');
    const res = await post({ ...request, code_info: [{ svn_version: '1' }] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorAnswer;
    expect(body.errors?.map((e) => e.path)).toContain('/code_info/0/svn_path');
  });

  it('env outside UAT/PRO → 400 naming the accepted values', async () => {
    const res = await post(releaseRequest('【A18】【升级】env', { env: 'DEV' }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorAnswer;
    expect(body.errors?.find((e) => e.path === '/env')?.message).toMatch(/UAT.*PRO/);
  });

  it('summary over 128 characters → 400', async () => {
    const res = await post(releaseRequest('x'.repeat(129)));
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorAnswer).errors?.[0]?.path).toBe('/summary');
  });

  it('unknown project → 400 naming the known projects', async () => {
    const res = await post(releaseRequest('【ZZ】【升级】unknown', { project: 'ZZ9' }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorAnswer;
    expect(body.error).toBe('unknown_project');
    expect(body.message).toContain('ZZ9');
    expect(body.message).toContain('A18');
    expect(body.knownProjects).toEqual(expect.arrayContaining(['A18', 'QC']));
  });

  it('oversized body → 413', async () => {
    const huge = releaseRequest('【A18】【升级】huge', {
      config_info: [{ name: 'big.conf', content: 'x'.repeat(100 * 1024) }],
    });
    const res = await post(huge);
    expect(res.status).toBe(413);
    const body = (await res.json()) as ErrorAnswer;
    expect(body.error).toBe('payload_too_large');
    expect(body.message).toContain(String(64 * 1024));
  });

  it('a non-JSON content type → 415', async () => {
    const res = await server.request('/cicdflow/', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'project=A18',
      token: testTokens.intake,
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as ErrorAnswer).error).toBe('unsupported_media_type');
  });

  it('an unknown route → 404 JSON', async () => {
    const res = await server.request('/cicdflow/nope', { token: testTokens.intake });
    expect(res.status).toBe(404);
    expect((await res.json()) as ErrorAnswer).toMatchObject({ error: 'not_found' });
  });

  it('random JSON bodies never produce a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const res = await post(JSON.stringify(value));
        await res.arrayBuffer();
        return res.status >= 400 && res.status < 500;
      }),
      { numRuns: 60 },
    );
    // Near-valid bodies: the valid request with one field replaced by anything.
    const base = releaseRequest('【A18】【升级】fuzz');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(base)), fc.jsonValue(), async (field, value) => {
        const res = await post({ ...base, summary: `【A18】【升级】fuzz-${field}`, [field]: value });
        await res.arrayBuffer();
        return res.status !== 500;
      }),
      { numRuns: 40 },
    );
  });
});
