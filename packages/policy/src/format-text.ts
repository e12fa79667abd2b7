import { type Finding, formatLocation } from './finding.js';

/** Human output: one block per finding, then a summary line. */
export function formatText(findings: Finding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const blocks = findings.map(
    (f) => `${formatLocation(f)}: ${f.severity} ${f.ruleId}: ${f.message}\n  → ${f.suggestion}`,
  );
  const summary =
    findings.length === 0
      ? 'policy: no findings'
      : `policy: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  return [...blocks, summary].join('\n');
}
