import { defaultJiraWorkflowNames, type JiraWorkflowNames } from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { planStatusPath } from '../src/jira/index.js';

const names = defaultJiraWorkflowNames;
const walk = (from: string, to: string, prefer?: string, n: JiraWorkflowNames = names) =>
  planStatusPath(n, from, to, prefer)?.map((s) => s.transition) ?? null;

describe('planning a walk along the cdflow workflow', () => {
  it('crosses skipped stages with the 无…/已升级 transitions', () => {
    expect(walk('SQL待执行', 'UAT升级完成')).toEqual([
      '无SQL升级/已升级',
      '无配置升级/已升级',
      '无代码升级/已升级',
    ]);
    expect(walk('开发/运维修改', 'UAT升级完成')).toEqual(['重新提交代码', '无代码升级/已升级']);
  });

  it('takes the preferred transition on the last step', () => {
    expect(walk('CONFIG执行中', 'CODE执行中', '无配置升级/已升级')).toEqual(['无配置升级/已升级']);
    expect(walk('CONFIG执行中', 'CODE执行中', '配置升级成功')).toEqual(['配置升级成功']);
    expect(walk('CONFIG执行中', '开发/运维修改')).toEqual(['配置升级失败']);
  });

  it("takes cdflow's optional SQL未执行完成 only when the move is decided by it; otherwise the export's walk", () => {
    expect(walk('CONFIG执行中', 'SQL执行中', 'SQL未执行完成')).toEqual(['SQL未执行完成']);
    expect(walk('CONFIG执行中', 'SQL执行中')).toEqual(['配置升级失败', '重新提交UAT迭代升级', '提交SQL']);
    // Other walks never go through it.
    expect(walk('开发/运维修改', 'SQL执行中')).toEqual(['重新提交UAT迭代升级', '提交SQL']);
    expect(walk('开发/运维修改', 'SQL执行中', '提交SQL')).toEqual(['重新提交UAT迭代升级', '提交SQL']);
  });

  it('is empty when already there and null when unreachable or unknown', () => {
    expect(walk('SQL执行中', 'SQL执行中')).toEqual([]);
    expect(walk('升级流程结束', 'SQL待执行')).toBeNull();
    expect(walk('Open', 'SQL待执行')).toBeNull();
  });

  it('follows configured (English) names', () => {
    const english: JiraWorkflowNames = {
      statuses: { ...names.statuses, sqlPending: 'SQL pending', codeExecuting: 'Code running' },
      transitions: { ...names.transitions, noSql: 'No SQL' },
    };
    expect(walk('SQL pending', 'Code running', undefined, english)).toEqual(['No SQL', '无配置升级/已升级']);
  });
});
