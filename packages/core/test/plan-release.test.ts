import { emptyAppliedState, planRelease } from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { normalizedFixture } from './release-driver.js';

const first = () => normalizedFixture('first-upgrade.json');

function appliedAll() {
  const request = first();
  const applied = emptyAppliedState();
  for (const s of request.sql) applied.sql[s.sqlId] = { hash: s.hash, workflowId: s.seq, iteration: 1 };
  for (const a of request.apollo) {
    applied.apollo[`${a.appId}/${a.cluster}/${a.namespace}/${a.key}`] = { value: a.value, iteration: 1 };
  }
  for (const c of request.config) applied.config[c.name] = { hash: c.hash, iteration: 1 };
  for (const c of request.code)
    applied.code[c.service] = { svnVersion: c.svnVersion, tag: c.tag, iteration: 1 };
  return applied;
}

const decisions = (entries: Array<{ decision: string; reason: string }>) =>
  entries.map((e) => `${e.decision}: ${e.reason}`);

describe('planning a release against what was applied', () => {
  it('first upgrade: everything runs as new', () => {
    const plan = planRelease(emptyAppliedState(), first());
    expect(decisions(plan.sql)).toEqual(['run: new', 'run: new']);
    expect(decisions(plan.apollo)).toEqual(['run: new']);
    expect(decisions(plan.config)).toEqual(['run: new']);
    expect(decisions(plan.code)).toEqual(['run: new', 'run: new']);
  });

  it('iteration with SQL already applied: SQL is skipped, the rest compared item by item', () => {
    const applied = emptyAppliedState();
    for (const s of first().sql) applied.sql[s.sqlId] = { hash: s.hash, workflowId: 1, iteration: 1 };
    const plan = planRelease(applied, first());
    expect(decisions(plan.sql)).toEqual(['skip: already applied', 'skip: already applied']);
    expect(decisions(plan.code)).toEqual(['run: new', 'run: new']);
  });

  it('SQL content changed under the same sql_id runs again', () => {
    const request = normalizedFixture('first-upgrade.json', (body) => {
      (body.sql_info as Array<Record<string, unknown>>)[1]!.sql_content =
        "UPDATE store SET city = 'Odesa' WHERE city IS NULL;";
    });
    const plan = planRelease(appliedAll(), request);
    expect(decisions(plan.sql)).toEqual(['skip: already applied', 'run: content changed']);
  });

  it('only code changed: one service deploys, everything else is skipped', () => {
    const plan = planRelease(appliedAll(), normalizedFixture('code-only-iteration.json'));
    expect(decisions(plan.sql)).toEqual(['skip: already applied', 'skip: already applied']);
    expect(decisions(plan.apollo)).toEqual(['skip: already applied']);
    expect(decisions(plan.config)).toEqual(['skip: already applied']);
    expect(decisions(plan.code)).toEqual(['run: version changed', 'skip: already applied']);
  });

  it('nothing changed: nothing runs', () => {
    const plan = planRelease(appliedAll(), first());
    for (const section of [plan.sql, plan.apollo, plan.config, plan.code]) {
      expect(section.every((e) => e.decision === 'skip' && e.reason === 'already applied')).toBe(true);
    }
  });

  it('apollo value changed, config content changed, tag changed and empty svn_version have their reasons', () => {
    const request = normalizedFixture('first-upgrade.json', (body) => {
      (body.apollo_info as Array<Record<string, unknown>>)[0]!.value = 'false';
      (body.config_info as Array<Record<string, unknown>>)[0]!.content = 'client_max_body_size 40m;';
      (body.code_info as Array<Record<string, unknown>>)[0]!.tag = 'v3';
      (body.code_info as Array<Record<string, unknown>>)[1]!.svn_version = '';
    });
    const plan = planRelease(appliedAll(), request);
    expect(decisions(plan.apollo)).toEqual(['run: value changed']);
    expect(decisions(plan.config)).toEqual(['run: content changed']);
    expect(decisions(plan.code)).toEqual(['run: tag changed', 'skip: no deploy (empty svn_version)']);
  });
});
