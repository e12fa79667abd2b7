import {
  defaultJiraWorkflowNames,
  interpretJiraChange,
  interpretJiraDelivery,
  type JiraWorkflowNames,
  jiraIssueContent,
  jiraStatusForState,
  machineDefinitionJson,
  machineToMermaid,
  matchesProductState,
  prodOnlyStates,
  productStateOf,
  releaseStates,
  seenOnReadingJira,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { Drive, normalizedFixture, settings } from './release-driver.js';
import { orderSubmitted } from './upstream-answers.js';

const first = () => normalizedFixture('first-upgrade.json');

/** The release as `d` drives it now, as `interpretJiraChange` reads it. */
const releaseOf = (d: Drive) => ({ state: d.state, context: d.context });

function inSqlExecuting(): Drive {
  const d = new Drive(first(), settings({ policyGate: false }));
  d.resolveRoutes();
  d.send(orderSubmitted('a18-20261201-01', 11));
  d.send(orderSubmitted('a18-20261201-02', 12));
  return d;
}

describe('machine states and Jira statuses', () => {
  it('maps every state (and substates) to its Chinese status by default, or to configured names', () => {
    expect(jiraStatusForState('sqlPending.failed')).toBe('SQL待执行');
    expect(jiraStatusForState('codeExecuting.deploying')).toBe('CODE执行中');
    expect(releaseStates.map((s) => jiraStatusForState(s))).toEqual(
      Object.values(defaultJiraWorkflowNames.statuses),
    );
    const english: JiraWorkflowNames = {
      ...defaultJiraWorkflowNames,
      statuses: {
        ...defaultJiraWorkflowNames.statuses,
        sqlExecuting: 'SQL in progress',
        configExecuting: 'Config in progress',
      },
    };
    expect(jiraStatusForState('sqlExecuting', english)).toBe('SQL in progress');
  });

  it("a person's SQL执行中 → CONFIG执行中 is SQL_CONFIRMED; cdflow's own change is an echo", () => {
    const d = inSqlExecuting();
    const current = { state: d.state, context: d.context };
    expect(
      interpretJiraChange(
        current,
        { from: 'SQL执行中', to: 'CONFIG执行中', by: 'dba.li' },
        { cdflowUser: 'cdflow' },
      ),
    ).toEqual({
      kind: 'event',
      event: { type: 'SQL_CONFIRMED', by: 'dba.li' },
    });
    expect(
      interpretJiraChange(
        current,
        { from: 'SQL待执行', to: 'SQL执行中', by: 'cdflow' },
        { cdflowUser: 'cdflow' },
      ),
    ).toEqual({
      kind: 'echo',
    });
    // A change to the status the release mirrors now is an echo whoever reports it.
    expect(interpretJiraChange(current, { from: 'SQL待执行', to: 'SQL执行中', by: 'someone' })).toEqual({
      kind: 'echo',
    });
  });

  it('maps CONFIG执行中→开发/运维修改, 开发/运维修改→CODE执行中 and UAT升级完成→升级流程结束 by the graph', () => {
    const d = inSqlExecuting();
    d.confirmSql('dba');
    expect(
      interpretJiraChange(releaseOf(d), { from: 'CONFIG执行中', to: '开发/运维修改', by: 'ops' }),
    ).toEqual({
      kind: 'event',
      event: { type: 'CONFIG_REPORTED_FAILED', by: 'ops' },
    });
    d.send({ type: 'CONFIG_REPORTED_FAILED', by: 'ops' });
    expect(interpretJiraChange(releaseOf(d), { from: '开发/运维修改', to: 'CODE执行中', by: 'dev' })).toEqual(
      {
        kind: 'event',
        event: { type: 'RESUBMIT_CODE', by: 'dev' },
      },
    );
    const done = new Drive(
      normalizedFixture('first-upgrade.json', (b) => {
        b.sql_info = [];
        b.apollo_info = [];
        b.config_info = [];
        b.code_info = [];
        delete b.version; // no version: nothing for the gate, straight through to uatComplete
      }),
    );
    expect(
      interpretJiraChange(releaseOf(done), { from: 'UAT升级完成', to: '升级流程结束', by: 'pm' }),
    ).toEqual({
      kind: 'event',
      event: { type: 'FINISH', by: 'pm' },
    });
  });

  it("two quick moves whose deliveries arrive in the wrong order: the step Jira took first, then the delivery's own", () => {
    const d = inSqlExecuting();
    // The DBA's SQL升级成功, borne out by Archery (every order finished).
    d.confirmSql('dba');
    const now = () => ({ state: d.state, context: d.context, acceptedEvents: [] });
    // 配置升级失败 then 重新提交代码: the second move's delivery is processed first.
    const second = { change: { from: '开发/运维修改', to: 'CODE执行中' }, by: 'ops' };
    // The same change made by cdflow itself is its own move's echo, never a person's step.
    expect(
      interpretJiraDelivery(now(), { ...second, by: 'cdflow' }, 'CODE执行中', { cdflowUser: 'cdflow' }).kind,
    ).toBe('echo');
    expect(interpretJiraDelivery(now(), second, 'CODE执行中')).toEqual({
      kind: 'event',
      change: { from: 'CONFIG执行中', to: '开发/运维修改', by: seenOnReadingJira },
      event: { type: 'CONFIG_REPORTED_FAILED', by: seenOnReadingJira },
      catchUp: true,
      replay: true,
    });
    d.send({ type: 'CONFIG_REPORTED_FAILED', by: seenOnReadingJira });
    expect(interpretJiraDelivery(now(), second, 'CODE执行中')).toEqual({
      kind: 'event',
      change: { from: '开发/运维修改', to: 'CODE执行中', by: 'ops' },
      event: { type: 'RESUBMIT_CODE', by: 'ops' },
      catchUp: false,
    });
    d.send({ type: 'RESUBMIT_CODE', by: 'ops' });
    // The first move's delivery, late: Jira and the release agree, nothing more happens.
    const first = { change: { from: 'CONFIG执行中', to: '开发/运维修改' }, by: 'ops' };
    expect(interpretJiraDelivery(now(), first, 'CODE执行中')).toEqual({ kind: 'in-sync' });
    // A stale change that does not end where Jira is now is not taken as a step Jira took.
    const stale = inSqlExecuting();
    stale.confirmSql('dba');
    const old = { change: { from: '开发/运维修改', to: 'SQL待执行' }, by: 'dev' };
    expect(
      interpretJiraDelivery(
        { state: stale.state, context: stale.context, acceptedEvents: [] },
        old,
        'CODE执行中',
      ),
    ).toMatchObject({ kind: 'event', event: { type: 'CONFIG_CONFIRMED' }, catchUp: false });
  });

  it('refuses a change the machine does not allow now, or a step only cdflow takes; ignores unknown statuses', () => {
    const d = inSqlExecuting();
    const current = { state: d.state, context: d.context };
    const skipAhead = interpretJiraChange(current, { from: 'CODE执行中', to: 'UAT升级完成', by: 'dev' });
    expect(skipAhead.kind).toBe('refused');
    expect(skipAhead.kind === 'refused' && skipAhead.reason).toContain('代码升级成功');
    const notNow = interpretJiraChange(current, { from: 'UAT升级完成', to: '升级流程结束', by: 'pm' });
    expect(notNow.kind).toBe('refused');
    expect(notNow.kind === 'refused' && notNow.reason).toContain('SQL执行中');
    expect(interpretJiraChange(current, { from: 'SQL执行中', to: 'Done', by: 'x' })).toEqual({
      kind: 'ignored',
      reason: 'status "Done" is not a status of the cdflow workflow',
    });
  });
});

describe('jira issue content and machine export', () => {
  it('writes readable text, one item per line', () => {
    const c = jiraIssueContent(first());
    expect(c.functionList).toBe('【A18】订单导出\n【A18】按城市搜索门店');
    expect(c.sql.split('\n')).toEqual([
      '1. a18-20261201-01: database_acc/db_a18/acc/01.acc_ddl_store.sql@2301 -> A18/acc',
      '2. a18-20261201-02: database_acc/db_a18/acc/02.acc_dml_store.sql@2301 -> A18/acc',
    ]);
    expect(c.code).toBe('a18/cc_merchant_console@1105 tag V1\na18/cc_report_service@912 tag v2');
    expect(JSON.stringify(c)).not.toMatch(/\[\{|\['/);
  });

  it('exports the definition as JSON and a Mermaid stateDiagram-v2', () => {
    const json = machineDefinitionJson() as { id: string; version: number; states: Record<string, unknown> };
    expect(json.id).toBe('release');
    expect(json.version).toBe(1);
    expect(Object.keys(json.states).sort()).toEqual([...releaseStates, ...prodOnlyStates].sort());
    const mermaid = machineToMermaid();
    expect(mermaid.split('\n')[0]).toBe('stateDiagram-v2');
    // A person's SQL升级成功 stands once a fresh read of Archery shows every order finished.
    expect(mermaid).toContain('sqlExecuting_watching --> sqlExecuting_confirming: SQL_CONFIRMED');
    expect(mermaid).toContain(
      'sqlExecuting_confirming --> configExecuting: SQL_CONFIRMATION_CHECKED [confirmationStands]',
    );
    expect(mermaid).toContain('closed --> [*]');
    expect(mermaid).toContain('state sqlPending {');
  });
});

describe('product state ids', () => {
  it("shows the product's state ids: top states, and sqlPending.failed as the one meaningful substate", () => {
    expect(productStateOf('configExecuting.awaitingConfirmation')).toBe('configExecuting');
    expect(productStateOf('sqlPending.awaitingPolicy')).toBe('sqlPending');
    expect(productStateOf('sqlPending.failed')).toBe('sqlPending.failed');
    expect(productStateOf('uatComplete')).toBe('uatComplete');
    expect(matchesProductState('sqlPending.failed', 'sqlPending')).toBe(true);
    expect(matchesProductState('sqlPending.submitting', 'sqlPending.failed')).toBe(false);
    expect(matchesProductState('sqlPendingX', 'sqlPending')).toBe(false);
  });
});
