import { mayMoveIssue, releaseStateOfJiraStatus } from '@cdflow/core';
import { describe, expect, it } from 'vitest';

describe("cdflow's own Jira moves", () => {
  it('walk forward through skipped or confirmed stages and end with the deciding transition', () => {
    expect(mayMoveIssue('sqlExecuting', 'configExecuting', 'sqlSucceeded')).toBe(true);
    expect(mayMoveIssue('sqlPending', 'configExecuting', 'noSql')).toBe(true);
    // An earlier move was skipped: the walk crosses config to reach UAT by 代码升级成功.
    expect(mayMoveIssue('configExecuting', 'uatComplete', 'codeSucceeded')).toBe(true);
    expect(mayMoveIssue('uatComplete', 'uatComplete', 'codeSucceeded')).toBe(true);
    expect(mayMoveIssue('codeExecuting', 'fixing', 'codeFailed')).toBe(true);
  });

  it('never drag an issue a person moved through transitions nobody chose', () => {
    // Ops already chose 配置升级失败 then 重新提交代码: the stale move to 开发/运维修改 must not run.
    expect(mayMoveIssue('codeExecuting', 'fixing', 'configFailed')).toBe(false);
    // Jira is ahead of the machine (a person's decision whose webhook is still on its way): not dragged back.
    expect(mayMoveIssue('codeExecuting', 'configExecuting', 'sqlSucceeded')).toBe(false);
    expect(mayMoveIssue('uatComplete', 'codeExecuting', 'configSucceeded')).toBe(false);
    expect(mayMoveIssue('closed', 'fixing', 'codeFailed')).toBe(false);
  });

  it('re-align Jira forward to what the machine knows (people act from the status Jira shows)', () => {
    // The DBA moved the issue back while Archery already reported every order finished.
    expect(mayMoveIssue('sqlPending', 'configExecuting', 'sqlSucceeded')).toBe(true);
  });

  it('reads a status name back to its state, by configured names', () => {
    expect(releaseStateOfJiraStatus('CODE执行中')).toBe('codeExecuting');
    expect(releaseStateOfJiraStatus('Done')).toBeNull();
  });
});
