import {
  contentHash,
  defaultNormalizeOptions,
  InvalidRequestItemError,
  jiracdflowQcRouting,
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
    // The path rule names instance and group; the database is read from Archery later (never guessed).
    expect(n.sql.map((s) => [s.seq, s.sqlId, s.instance, s.dbName, s.group])).toEqual([
      [1, 'a18-20261201-01', 'acc', '', 'A18'],
      [2, 'a18-20261201-02', 'acc', '', 'A18'],
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
    expect(on.dropped).toContainEqual(
      expect.objectContaining({ section: 'sql', id: 'qc-20261202-02', rule: 'dropOperationalSqlInUat' }),
    );
    // Kept with the drop, for production (a promotion puts it back after the one item before it).
    const kept = on.dropped.find((d) => d.id === 'qc-20261202-02');
    expect(kept).toMatchObject({ keptBefore: 1, sqlItem: { sqlId: 'qc-20261202-02', prodOnly: true } });
    const off = normalizeReleaseRequest(original(), withRules({ dropOperationalSqlInUat: false }));
    expect(off.sql.map((s) => [s.seq, s.sqlId])).toEqual([
      [1, 'qc-20261202-01'],
      [2, 'qc-20261202-02'],
    ]);
  });

  it('skips svn_path ending in prod in UAT (rule on), not in PRO, and not when off', () => {
    expect(normalizeReleaseRequest(original()).dropped).toContainEqual(
      expect.objectContaining({ section: 'sql', id: 'qc-20261202-03', rule: 'skipProdPathsInUat' }),
    );
    const off = normalizeReleaseRequest(original(), withRules({ skipProdPathsInUat: false }));
    expect(off.sql.map((s) => s.sqlId)).toContain('qc-20261202-03');
    const pro = normalizeReleaseRequest({ ...original(), env: 'PRO' });
    expect(pro.sql.map((s) => s.sqlId)).toEqual(['qc-20261202-01', 'qc-20261202-02', 'qc-20261202-03']);
    // In production those items are production-only: no difference from UAT.
    expect(pro.sql.map((s) => s.prodOnly === true)).toEqual([false, true, true]);
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
    expect(n.sql[1]).toMatchObject({ instance: 'acc', dbName: '', group: 'A18' });
    const noRouting = { ...defaultNormalizeOptions, routing: { instanceFromPath: false } };
    expect(() => normalizeReleaseRequest(requestFrom(body), noRouting)).toThrow(
      expect.objectContaining({ code: 'SQL_ROUTING', sqlId: 'a18-20261201-02' }),
    );
  });

  it("a fixed map routes by the path's last segment (the original's QC map), per project", () => {
    const body = fixture('first-upgrade.json');
    body.project = 'QC';
    const items = body.sql_info as Array<Record<string, unknown>>;
    items[0]!.svn_path = 'database_qc/qc/rex_merchant_qc';
    items[1]!.svn_path = 'database_qc/qc/rex_rpt';
    const options: NormalizeOptions = {
      ...defaultNormalizeOptions,
      routing: { instanceFromPath: true, projects: { QC: jiracdflowQcRouting } },
    };
    const n = normalizeReleaseRequest(requestFrom(body), options);
    expect(n.sql.map((s) => [s.instance, s.group, s.dbName])).toEqual([
      ['qc-merchant', 'QC', ''],
      ['qc-report', 'QC', ''],
    ]);
    // A18 keeps the path rule.
    const a18 = normalizeReleaseRequest(requestFrom(fixture('first-upgrade.json')), options);
    expect(a18.sql[0]).toMatchObject({ instance: 'acc', group: 'A18' });
    // A map entry may fix the database and the group.
    const fixed: NormalizeOptions = {
      ...defaultNormalizeOptions,
      routing: {
        instanceFromPath: true,
        projects: {
          QC: {
            rule: 'map',
            group: 'QC',
            instances: { rex_merchant_qc: { instance: 'qc-m', dbName: 'rex', group: 'QC2' } },
          },
        },
      },
    };
    items.splice(1, 1);
    expect(normalizeReleaseRequest(requestFrom(body), fixed).sql[0]).toMatchObject({
      instance: 'qc-m',
      dbName: 'rex',
      group: 'QC2',
    });
  });

  it('a segment the map does not know is a routing error naming it and the known ones', () => {
    const body = fixture('first-upgrade.json');
    body.project = 'QC';
    (body.sql_info as Array<Record<string, unknown>>)[0]!.svn_path = 'database_qc/qc/rex_unknown';
    const options: NormalizeOptions = {
      ...defaultNormalizeOptions,
      routing: { instanceFromPath: true, projects: { QC: jiracdflowQcRouting } },
    };
    expect(() => normalizeReleaseRequest(requestFrom(body), options)).toThrow(
      expect.objectContaining({
        code: 'SQL_ROUTING',
        sqlId: 'a18-20261201-01',
        message: expect.stringContaining('no instance for "rex_unknown"'),
      }),
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
