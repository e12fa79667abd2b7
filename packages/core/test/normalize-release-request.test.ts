import {
  contentHash,
  defaultNormalizeOptions,
  InvalidRequestItemError,
  type NormalizeOptions,
  normalizeReleaseRequest,
  RoutingError,
  UnknownProjectError,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { fixture, requestFrom } from './release-driver.js';

const original = () => requestFrom(fixture('original-payload.json'));
const withRules = (rules: Partial<NormalizeOptions['rules']>): NormalizeOptions => ({
  ...defaultNormalizeOptions,
  rules: { ...defaultNormalizeOptions.rules, ...rules },
});

describe('normalising a release request', () => {
  it('maps the project, routes SQL from svn_path and numbers the items in request order', () => {
    const n = normalizeReleaseRequest(requestFrom(fixture('first-upgrade.json')));
    expect(n.jiraProject).toBe('AC');
    expect(n.sql.map((s) => [s.seq, s.sqlId, s.instance, s.dbName, s.group])).toEqual([
      [1, 'a18-20261201-01', 'acc', 'acc', 'A18'],
      [2, 'a18-20261201-02', 'acc', 'acc', 'A18'],
    ]);
    expect(n.sql[0]!.hash).toBe(contentHash('ALTER TABLE store ADD COLUMN city varchar(64);'));
    expect(n.apollo[0]!.cluster).toBe('default');
    expect(n.code.map((c) => c.tag)).toEqual(['V1', 'v2']);
  });

  it('QC maps to QC; an unknown project names the known ones', () => {
    expect(normalizeReleaseRequest(original()).jiraProject).toBe('QC');
    const body = fixture('first-upgrade.json');
    body.project = 'ZZ9';
    const attempt = () => normalizeReleaseRequest(requestFrom(body));
    expect(attempt).toThrow(UnknownProjectError);
    try {
      attempt();
    } catch (error) {
      expect((error as UnknownProjectError).code).toBe('UNKNOWN_PROJECT');
      expect((error as UnknownProjectError).knownProjects).toEqual([
        'A22',
        'QC',
        'A18',
        'A19',
        'RS8',
        'B01',
        'TCBS',
        'ISLOT',
      ]);
      expect((error as Error).message).toContain('A22, QC, A18');
    }
  });

  it('drops 运营 files in UAT (rule on) and keeps them when the rule is off', () => {
    const on = normalizeReleaseRequest(original());
    expect(on.sql.map((s) => s.sqlId)).toEqual(['qc-20261202-01']);
    expect(on.dropped).toContainEqual({
      section: 'sql',
      id: 'qc-20261202-02',
      rule: 'dropOperationalSqlInUat',
    });
    const off = normalizeReleaseRequest(original(), withRules({ dropOperationalSqlInUat: false }));
    expect(off.sql.map((s) => [s.seq, s.sqlId])).toEqual([
      [1, 'qc-20261202-01'],
      [2, 'qc-20261202-02'],
    ]);
  });

  it('skips svn_path ending in prod in UAT (rule on), not in PRO, and not when off', () => {
    expect(normalizeReleaseRequest(original()).dropped).toContainEqual({
      section: 'sql',
      id: 'qc-20261202-03',
      rule: 'skipProdPathsInUat',
    });
    const off = normalizeReleaseRequest(original(), withRules({ skipProdPathsInUat: false }));
    expect(off.sql.map((s) => s.sqlId)).toContain('qc-20261202-03');
    const pro = normalizeReleaseRequest({ ...original(), env: 'PRO' });
    expect(pro.sql.map((s) => s.sqlId)).toEqual(['qc-20261202-01', 'qc-20261202-02', 'qc-20261202-03']);
  });

  it('empty svn_version means no deploy (rule on); with the rule off it is an error naming the field', () => {
    const on = normalizeReleaseRequest(original());
    expect(on.code.find((c) => c.service === 'qc/qc_report_web')!.svnVersion).toBe('');
    expect(() =>
      normalizeReleaseRequest(original(), withRules({ emptySvnVersionMeansNoDeploy: false })),
    ).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST_ITEM', path: '/code_info/0/svn_version' }));
    expect(() =>
      normalizeReleaseRequest(original(), withRules({ emptySvnVersionMeansNoDeploy: false })),
    ).toThrow(InvalidRequestItemError);
  });

  it('tag "" means V1 (rule on) and stays "" when off', () => {
    expect(normalizeReleaseRequest(original()).code.map((c) => c.tag)).toEqual(['V1', 'V1']);
    expect(
      normalizeReleaseRequest(original(), withRules({ emptyTagMeansV1: false })).code.map((c) => c.tag),
    ).toEqual(['', '']);
  });

  it('explicit instance/db_name/group win; without them and with path routing off it is a routing error', () => {
    const body = fixture('first-upgrade.json');
    Object.assign((body.sql_info as Array<Record<string, unknown>>)[0]!, {
      instance: 'acc-uat',
      db_name: 'acc2',
      group: 'G1',
    });
    const n = normalizeReleaseRequest(requestFrom(body));
    expect(n.sql[0]).toMatchObject({ instance: 'acc-uat', dbName: 'acc2', group: 'G1' });
    expect(n.sql[1]).toMatchObject({ instance: 'acc', dbName: 'acc', group: 'A18' });
    const noRouting = { ...defaultNormalizeOptions, routing: { instanceFromPath: false } };
    expect(() => normalizeReleaseRequest(requestFrom(body), noRouting)).toThrow(
      expect.objectContaining({ code: 'SQL_ROUTING', sqlId: 'a18-20261201-02' }),
    );
  });

  it('a path that cannot be routed is a routing error', () => {
    const body = fixture('first-upgrade.json');
    (body.sql_info as Array<Record<string, unknown>>)[0]!.svn_path = 'acc';
    expect(() => normalizeReleaseRequest(requestFrom(body))).toThrow(RoutingError);
  });

  it('hashes content with line endings normalised', () => {
    expect(contentHash('a\r\nb\rc\n')).toBe(contentHash('a\nb\nc\n'));
    expect(contentHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
