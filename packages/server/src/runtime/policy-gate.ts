/**
 * The versioning policy gate as the runtime calls it: @cdflow/policy's `checkReleaseSql` with the
 * configured rule switches (`config.policy.rules`: 'off' drops a rule, a severity replaces the rule's
 * own; the checker applies them) and scratch-table patterns (`config.policy.temporaryTablePatterns`),
 * findings mapped to the summary the machine keeps. Which releases go through it at all is the
 * release's `settings.policyGate` (`policy.gate` and `policy.projects`, see release-settings.ts).
 */
import type { PolicyFindingSummary } from '@cdflow/core';
import { checkReleaseSql } from '@cdflow/policy';
import type { ServerConfig } from '../config/server-config.js';
import type { CheckPolicy } from './effects/runtime-ports.js';

export function createPolicyGate(config: ServerConfig): CheckPolicy {
  return async (input) => {
    // The gate switch lives in the release's settings too; this guard covers a release created before.
    if (!config.policy.gate) return [];
    const findings = await checkReleaseSql({
      version: input.version,
      previousVersion: input.previousVersion,
      items: input.sql.map((item) => ({ id: item.sqlId, file: item.svnFile || item.sqlId, sql: item.sql })),
      config: { rules: config.policy.rules, temporaryTablePatterns: config.policy.temporaryTablePatterns },
    });
    return findings.map(
      (finding): PolicyFindingSummary => ({
        ruleId: finding.ruleId,
        severity: finding.severity,
        location: finding.line === null ? finding.file : `${finding.file}:${finding.line}`,
        message: finding.message,
        suggestion: finding.suggestion,
      }),
    );
  };
}
