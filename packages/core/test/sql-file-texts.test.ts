/**
 * SQL items without sql_content: their files are read from the SQL source (one `sql.fetch` per file)
 * before the policy gate and planning; the texts are kept with the release and never read again; a
 * failed read fails the release naming the file; `has_deploy_uat` items are skipped in UAT.
 */
import {
  effectFailedEvent,
  InvalidRequestItemError,
  jiraIssueContent,
  normalizeReleaseRequest,
  type ReleaseEffect,
  sqlFileRefLabel,
  sqlFilesToRead,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { Drive, fixture, requestFrom, settings, summarize } from './release-driver.js';
import { a18NormalizeOptions, svnSqlText } from './svn-sql-source.js';

/** The original release system's SQL items: a file at a revision, no text. */
function originalBody(change?: (body: Record<string, unknown>) => void): Record<string, unknown> {
  const body = fixture('first-upgrade.json');
  for (const item of body.sql_info as Array<Record<string, unknown>>) {
    delete item.sql_content;
    item.has_deploy_uat = false;
  }
  change?.(body);
  return body;
}

const withSource = (body: Record<string, unknown>) =>
  normalizeReleaseRequest(requestFrom(body), {
    ...a18NormalizeOptions(),
    sqlSource: 'svn',
  });

const fetches = (effects: ReleaseEffect[]) => effects.flatMap((e) => (e.type === 'sql.fetch' ? [e] : []));

describe('normalising SQL items without sql_content', () => {
  it('without a SQL source, the item is refused naming the field and how to configure a source', () => {
    const body = originalBody();
    let error: unknown;
    try {
      normalizeReleaseRequest(requestFrom(body), a18NormalizeOptions());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRequestItemError);
    expect((error as InvalidRequestItemError).path).toBe('/sql_info/0/sql_content');
    expect((error as Error).message).toMatch(/SVN_BASE_URL.*GITLAB_BASE_URL/s);
  });

  it('with a SQL source, the items wait for their text in request order, listed in the Jira field', () => {
    const request = withSource(originalBody());
    expect(request.sql).toEqual([]);
    expect(request.sqlAwaitingText?.map((i) => [i.seq, i.sqlId])).toEqual([
      [1, 'a18-20261201-01'],
      [2, 'a18-20261201-02'],
    ]);
    expect(jiraIssueContent(request).sql.split('\n')).toHaveLength(2);
    expect(sqlFilesToRead(request).map((f) => f.ref)).toEqual([
      'database_acc/db_a18/acc/01.acc_ddl_store.sql@2301',
      'database_acc/db_a18/acc/02.acc_dml_store.sql@2301',
    ]);
  });

  it('sql_content, when given, wins: that item is not read', () => {
    const request = withSource(
      originalBody((b) => {
        (b.sql_info as Array<Record<string, unknown>>)[0]!.sql_content = 'SELECT 1;';
      }),
    );
    expect(request.sql.map((i) => i.sqlId)).toEqual(['a18-20261201-01']);
    expect(sqlFilesToRead(request).map((f) => f.sqlIds)).toEqual([['a18-20261201-02']]);
  });
});

describe('the machine reads the SQL files before the policy gate', () => {
  it('one sql.fetch per file, then the policy gate and the orders carry the text read', () => {
    const d = new Drive(withSource(originalBody()), settings({ policyGate: true }));
    expect(d.state).toBe('sqlPending.fetchingSql');
    expect(summarize(d.last.effects)).toEqual(['jira.ensureIssue', 'sql.fetch', 'sql.fetch']);
    const [first, second] = fetches(d.last.effects);
    expect(first!.idempotencyKey).toBe(`rel-1:sql.fetch:${first!.ref}`);
    expect(d.context.plan.sql).toEqual([]);

    d.send({ type: 'ISSUE_READY', issueKey: 'AC-1', created: true });
    d.send({
      type: 'SQL_TEXT_FETCHED',
      ref: first!.ref,
      text: svnSqlText('ALTER TABLE store ADD city INT;'),
    });
    expect(d.state).toBe('sqlPending.fetchingSql');
    expect(d.last.effects).toEqual([]);
    d.send({ type: 'SQL_TEXT_FETCHED', ref: second!.ref, text: svnSqlText("UPDATE store SET city = 'x';") });
    expect(d.state).toBe('sqlPending.awaitingPolicy');
    const policy = d.last.effects.find((e) => e.type === 'policy.check');
    expect(policy?.type === 'policy.check' && policy.sql.map((i) => i.sql)).toEqual([
      'ALTER TABLE store ADD city INT;',
      "UPDATE store SET city = 'x';",
    ]);
    expect(d.context.plan.sql.map((e) => `${e.item.sqlId} ${e.decision} ${e.reason}`)).toEqual([
      'a18-20261201-01 run new',
      'a18-20261201-02 run new',
    ]);
    expect(d.context.sqlTexts?.[first!.ref]?.encoding).toBe('utf-8');

    d.send({ type: 'POLICY_CHECKED', findings: [] });
    // Routes are resolved after the gate, before the first submission.
    expect(d.state).toBe('sqlPending.resolvingRoutes');
    d.resolveRoutes();
    const submit = d.last.effects.find((e) => e.type === 'archery.submitOrder');
    expect(submit?.type === 'archery.submitOrder' && submit.order.sql).toBe(
      'ALTER TABLE store ADD city INT;',
    );
  });

  it('a later iteration naming the same file at the same revision reads nothing; a new revision is read', () => {
    const d = new Drive(withSource(originalBody()), settings({ policyGate: false }));
    d.send({ type: 'ISSUE_READY', issueKey: 'AC-1', created: true });
    const [a, b] = sqlFilesToRead(d.context.request);
    d.send({ type: 'SQL_TEXT_FETCHED', ref: a!.ref, text: svnSqlText('SELECT 1;') });
    d.send({ type: 'SQL_TEXT_FETCHED', ref: b!.ref, text: svnSqlText('SELECT 2;') });
    expect(d.state).toBe('sqlPending.resolvingRoutes');
    d.resolveRoutes();
    expect(d.state).toBe('sqlPending.submitting');

    const next = withSource(
      originalBody((body) => {
        (body.sql_info as Array<Record<string, unknown>>)[1]!.svn_version = '1300';
      }),
    );
    d.send({ type: 'NEW_ITERATION', request: next, by: 'release-system' });
    expect(d.state).toBe('sqlPending.fetchingSql');
    expect(fetches(d.last.effects).map((e) => e.ref)).toEqual([
      'database_acc/db_a18/acc/02.acc_dml_store.sql@1300',
    ]);
    expect(d.context.request.sql.map((i) => [i.sqlId, i.sql])).toEqual([['a18-20261201-01', 'SELECT 1;']]);
  });

  it('a file that cannot be read fails the release naming it, with a Jira comment; 触发提交SQL reads it again', () => {
    const d = new Drive(withSource(originalBody()), settings({ policyGate: false }));
    d.send({ type: 'ISSUE_READY', issueKey: 'AC-1', created: true });
    const [a] = sqlFilesToRead(d.context.request);
    const effect = {
      type: 'sql.fetch',
      idempotencyKey: 'k',
      revision: 1,
      ref: a!.ref,
      file: a!.file,
      sqlIds: a!.sqlIds,
    } as const;
    const failed = effectFailedEvent(
      effect,
      'NOT_FOUND: database_acc/db_a18/acc/01.acc_ddl_store.sql@2301 does not exist in svn',
    );
    expect(failed.type).toBe('SQL_FETCH_FAILED');
    d.send(failed);
    expect(d.state).toBe('sqlPending.failed');
    expect(d.context.failure?.reason).toContain('database_acc/db_a18/acc/01.acc_ddl_store.sql@2301');
    const comment = d.last.effects.find((e) => e.type === 'jira.comment');
    expect(comment?.type === 'jira.comment' && comment.body).toContain('a18-20261201-01');
    d.send({ type: 'RETRY_SQL_SUBMIT', by: 'dba' });
    expect(d.state).toBe('sqlPending.fetchingSql');
    expect(fetches(d.last.effects)).toHaveLength(2);
  });

  it('an answer for a file the release no longer waits for is refused', () => {
    const d = new Drive(withSource(originalBody()), settings({ policyGate: false }));
    const stale = d.send({
      type: 'SQL_TEXT_FETCHED',
      ref: sqlFileRefLabel({ svnPath: 'x', svnFile: 'y.sql', svnVersion: '1' }),
      text: svnSqlText('SELECT 1;'),
    });
    expect(stale.accepted).toBe(false);
    expect(d.state).toBe('sqlPending.fetchingSql');
  });
});

describe('has_deploy_uat: already in UAT', () => {
  const marked = (env: 'UAT' | 'PRO') =>
    withSource(
      originalBody((b) => {
        b.env = env;
        (b.sql_info as Array<Record<string, unknown>>)[0]!.has_deploy_uat = true;
        (b.apollo_info as Array<Record<string, unknown>>)[0]!.has_deploy_uat = true;
        b.config_info = [{ name: 'nginx/a18.conf', content: 'x', has_deploy_uat: true }];
      }),
    );

  it('UAT skips the SQL, Apollo and config items with that reason, reads no file for them, and Jira shows them skipped', () => {
    const request = marked('UAT');
    const d = new Drive(request, settings({ policyGate: false }));
    const reasons = (entries: ReadonlyArray<{ decision: string; reason: string }>) =>
      entries.map((e) => `${e.decision} ${e.reason}`);
    expect(fetches(d.last.effects).map((e) => e.sqlIds)).toEqual([['a18-20261201-02']]);
    expect(reasons(d.context.plan.sql)).toEqual(['skip already in UAT (has_deploy_uat)']);
    expect(reasons(d.context.plan.apollo)).toEqual(['skip already in UAT (has_deploy_uat)']);
    expect(reasons(d.context.plan.config)).toEqual(['skip already in UAT (has_deploy_uat)']);
    const content = jiraIssueContent(request);
    expect(content.sql.split('\n')[0]).toMatch(/a18-20261201-01.*\(skipped: already in UAT\)$/);
    expect(content.sql.split('\n')[1]).not.toContain('skipped');
    expect(content.apollo).toContain('(skipped: already in UAT)');
    expect(content.config).toBe('nginx/a18.conf (skipped: already in UAT)');
  });

  it('an item already in UAT needs no Archery route there', () => {
    const request = withSource(
      originalBody((b) => {
        const [first] = b.sql_info as Array<Record<string, unknown>>;
        first!.svn_path = 'scripts/manual';
        first!.has_deploy_uat = true;
      }),
    );
    expect(request.sql.map((i) => [i.sqlId, i.group, i.sql])).toEqual([['a18-20261201-01', '', '']]);
  });

  it('in PRO the flag changes nothing: the file is read and the items are planned', () => {
    const d = new Drive(marked('PRO'), settings({ policyGate: false }));
    expect(fetches(d.last.effects)).toHaveLength(2);
    expect(d.context.plan.apollo.map((e) => e.decision)).toEqual(['run']);
    expect(jiraIssueContent(marked('PRO')).config).toBe('nginx/a18.conf');
  });
});
