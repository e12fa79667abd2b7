/** How much a finding blocks: an error fails the check (exit 1, gate refuses), a warning is recorded only. */
export type Severity = 'error' | 'warning';

/** One violation of the versioning policy, located precisely enough for a person to fix it. */
export interface Finding {
  /** Stable rule id from docs/policy.md, e.g. `DF-D001`. */
  ruleId: string;
  severity: Severity;
  /** The file, or the release-request field (`version`, `sql_info[a18-0001] 05.act_ddl.sql`). */
  file: string;
  /** 1-based line in `file`, or null when the finding is about a field rather than a line. */
  line: number | null;
  /** What is wrong. */
  message: string;
  /** What to do instead. */
  suggestion: string;
}

/** `file:line` (or `file`) as shown to people and stored on a release. */
export function formatLocation(finding: Pick<Finding, 'file' | 'line'>): string {
  return finding.line === null ? finding.file : `${finding.file}:${finding.line}`;
}

/** Findings in a stable order: by file, then line, then rule. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.ruleId.localeCompare(b.ruleId) ||
      a.message.localeCompare(b.message),
  );
}
