import type { Finding } from './finding.js';
import { sortFindings } from './finding.js';
import type { PolicyConfig } from './policy-config.js';

/** Applies per-rule switches (`off` drops, a severity replaces) and sorts the findings. */
export function applyRuleSettings(findings: Finding[], config: PolicyConfig): Finding[] {
  const out: Finding[] = [];
  for (const finding of findings) {
    const setting = config.rules[finding.ruleId];
    if (setting === 'off') continue;
    out.push(setting ? { ...finding, severity: setting } : finding);
  }
  return sortFindings(out);
}
