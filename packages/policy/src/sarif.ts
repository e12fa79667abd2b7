import type { Finding } from './finding.js';
import { policyRules } from './policy-rules.js';

export interface SarifOptions {
  toolVersion: string;
  /** Base URI of the rule documentation, if published. */
  informationUri?: string;
}

/** A location that is a release-request field rather than a file (`version`, `sql_info[…] …`). */
function isRequestField(file: string): boolean {
  return file === 'version' || file === 'previous version' || file.startsWith('sql_info[');
}

/** Findings as a SARIF 2.1.0 log, so code hosts show them inline. */
export function toSarif(findings: Finding[], options: SarifOptions): object {
  const ruleIndex = new Map(policyRules.map((rule, index) => [rule.id, index]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'cdflow-policy',
            version: options.toolVersion,
            ...(options.informationUri ? { informationUri: options.informationUri } : {}),
            rules: policyRules.map((rule) => ({
              id: rule.id,
              name: rule.title
                .replace(/[^A-Za-z0-9]+/g, ' ')
                .trim()
                .replace(/ (\w)/g, (_, c: string) => c.toUpperCase()),
              shortDescription: { text: rule.title },
              fullDescription: { text: rule.description },
              defaultConfiguration: { level: rule.severity },
            })),
          },
        },
        results: findings.map((finding) => {
          const index = ruleIndex.get(finding.ruleId);
          const message = { text: `${finding.message}. ${finding.suggestion}` };
          const physical = {
            artifactLocation: { uri: finding.file },
            ...(finding.line !== null ? { region: { startLine: finding.line } } : {}),
          };
          return {
            ruleId: finding.ruleId,
            ...(index !== undefined ? { ruleIndex: index } : {}),
            level: finding.severity,
            message,
            locations: [
              isRequestField(finding.file)
                ? { logicalLocations: [{ name: finding.file, kind: 'member' }] }
                : { physicalLocation: physical },
            ],
            fixes: [],
            properties: { suggestion: finding.suggestion },
          };
        }),
      },
    ],
  };
}
