import { describe, expect, it } from 'vitest';
import {
  jiracdflowNameParts,
  jiracdflowRelativePath,
  normalizeJiracdflowTag,
  selectJiracdflowProjects,
} from '../src/cmdb/index.js';

const item = (id: number, name: string, svnPath = 'http://svn.host/a18/cc_console') => ({
  id,
  project: { name, svn_path: svnPath },
});

const items = [
  item(1, 'UAT_a18_console'),
  item(2, 'UAT_a18_console_V1'),
  item(3, 'UAT_a18_console_V2'),
  item(4, 'UAT_a18_console_TEST'),
  item(5, 'PRO_a18_console'),
  item(6, 'PRO_a18_console_TEST'),
  item(7, 'UAT_a18_console_job'),
  item(8, 'UAT_a18_console_v2_V2', 'http://svn.host/a18/cc_console_v2'),
  item(9, 'UAT_a18_console_V3', 'https://svn.example.com:8443/A18/CC_Console'),
];

const ids = (env: string, tag: string | null | undefined, svnPath = 'a18/cc_console') =>
  selectJiracdflowProjects(items, { env, svnPath, tag }).map((i) => i.id);

describe('selectJiracdflowProjects (the original CMDB client rules)', () => {
  it('compares the svn_path URL without its first three parts with the item path, case-insensitively', () => {
    expect(jiracdflowRelativePath('http://svn.host/a18/cc_console')).toBe('a18/cc_console');
    expect(jiracdflowRelativePath('https://svn.example.com:8443/A18/CC_Console')).toBe('A18/CC_Console');
    expect(ids('UAT', 'v2', 'a18/cc_console_v2')).toEqual([8]);
    // A longer path that merely starts the same never matches.
    expect(ids('UAT', 'v2')).toEqual([3]);
    expect(ids('UAT', 'V3', '/A18/cc_console/')).toEqual([9]);
  });

  it('tag "" and v1 (any case) select the projects whose last part is none of V1 V2 V3 V4 TEST', () => {
    for (const tag of ['', 'v1', 'V1', ' v1 ', null, undefined])
      expect(ids('UAT', tag), String(tag)).toEqual([1, 7]);
    expect(normalizeJiracdflowTag('v1')).toBe('');
    expect(normalizeJiracdflowTag('test')).toBe('TEST');
  });

  it('another tag selects the projects whose last part is that tag, upper-cased', () => {
    expect(ids('UAT', 'v2')).toEqual([3]);
    expect(ids('UAT', 'TEST')).toEqual([4]);
    expect(ids('UAT', 'test')).toEqual([4]);
    expect(ids('UAT', 'V4')).toEqual([]);
  });

  it('in PRO skips the UAT_ projects, and without a tag the TEST ones', () => {
    expect(ids('PRO', '')).toEqual([5]);
    expect(ids('PRO', 'TEST')).toEqual([6]);
    expect(ids('pro', 'v2')).toEqual([]);
  });

  it('in UAT never selects a PRO_ project', () => {
    expect(ids('UAT', '')).not.toContain(5);
    expect(ids('UAT', 'TEST')).toEqual([4]);
  });

  it('keeps every match, in the CMDB order: two services built from one path both deploy', () => {
    expect(ids('UAT', '')).toEqual([1, 7]);
  });

  it('reads env and tag off a project name', () => {
    expect(jiracdflowNameParts('UAT_a18_console_V2')).toEqual({ env: 'UAT', tag: 'V2' });
    expect(jiracdflowNameParts('pro_a18_console_test')).toEqual({ env: 'PRO', tag: 'TEST' });
    expect(jiracdflowNameParts('UAT_a18_console')).toEqual({ env: 'UAT', tag: '' });
  });
});
