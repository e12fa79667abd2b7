import { validateReleaseRequest } from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { fixture } from './release-driver.js';

describe('release request schema', () => {
  it('accepts a first-upgrade request', () => {
    const result = validateReleaseRequest(fixture('first-upgrade.json'));
    expect(result.ok).toBe(true);
  });

  it("accepts the original release system's payload: unknown fields, no routing, empty svn_version and tag", () => {
    const result = validateReleaseRequest(fixture('original-payload.json'));
    expect(result).toMatchObject({ ok: true });
  });

  it('names each bad field by its path and says what was expected', () => {
    const body = fixture('first-upgrade.json');
    body.env = 'DEV';
    body.summary = 'x'.repeat(129);
    body.version = 12;
    (body.sql_info as Array<Record<string, unknown>>)[0]!.sql_id = 7;
    delete (body.code_info as Array<Record<string, unknown>>)[1]!.svn_version;
    delete body.config_info;
    const result = validateReleaseRequest(body);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        { path: '/env', message: 'must be one of UAT, PRO' },
        { path: '/summary', message: 'at most 128 characters' },
        { path: '/version', message: 'must be a string or null' },
        { path: '/sql_info/0/sql_id', message: 'must be a string' },
        { path: '/code_info/1/svn_version', message: 'is required' },
        { path: '/config_info', message: 'is required' },
      ]),
    );
    expect(result.errors).toHaveLength(6);
  });

  it('refuses a body that is not an object, and lists that are not arrays', () => {
    expect(validateReleaseRequest('hello')).toEqual({
      ok: false,
      errors: [{ path: '/', message: 'must be an object' }],
    });
    const body = fixture('first-upgrade.json');
    body.apollo_info = {};
    expect(validateReleaseRequest(body)).toEqual({
      ok: false,
      errors: [{ path: '/apollo_info', message: 'must be an array' }],
    });
  });

  it('refuses an empty project and a missing summary', () => {
    const body = fixture('first-upgrade.json');
    body.project = '';
    delete body.summary;
    const result = validateReleaseRequest(body);
    expect(result.ok ? [] : result.errors).toEqual([
      { path: '/summary', message: 'is required' },
      { path: '/project', message: 'must not be empty' },
    ]);
  });
});
