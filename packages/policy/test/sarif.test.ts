import { createRequire } from 'node:module';
import { checkFiles, formatText, policyRules, toSarif } from '@cdflow/policy';
import type AjvDraft04 from 'ajv-draft-04';
import type addFormatsPlugin from 'ajv-formats';
import { describe, expect, it } from 'vitest';

// The official SARIF 2.1.0 (rtm.5) JSON schema as shipped on npm by Microsoft's @microsoft/jest-sarif.
const require = createRequire(import.meta.url);
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as object;
// CommonJS modules whose default export TypeScript sees as the module object: load them as Node does.
const Ajv = require('ajv-draft-04') as typeof AjvDraft04.default;
const addFormats = require('ajv-formats') as typeof addFormatsPlugin.default;

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }); // the schema's language pattern is not valid in unicode mode
  addFormats(ajv);
  return ajv.compile(schema);
}

const inputs = [
  {
    path: 'db/changelog.xml',
    content:
      '<databaseChangeLog>\n  <changeSet id="1" author="a">\n    <dropColumn tableName="lab" columnName="fax"/>\n    <addNotNullConstraint tableName="lab" columnName="code"/>\n  </changeSet>\n</databaseChangeLog>\n',
  },
];

describe('SARIF output', () => {
  it('is valid against the official SARIF 2.1.0 schema, with findings, lines and request fields', async () => {
    const findings = await checkFiles(inputs, { version: '1.x.0' });
    expect(findings.map((f) => f.ruleId).sort()).toEqual(['DF-D002', 'DF-D006', 'DF-V001']);
    const log = toSarif(findings, { toolVersion: '0.1.0' }) as {
      runs: Array<{ results: Array<{ ruleId: string; level: string; locations: unknown[] }> }>;
    };
    const validate = validator();
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const results = log.runs[0]?.results ?? [];
    expect(results.find((r) => r.ruleId === 'DF-D002')?.locations).toEqual([
      { physicalLocation: { artifactLocation: { uri: 'db/changelog.xml' }, region: { startLine: 3 } } },
    ]);
    expect(results.find((r) => r.ruleId === 'DF-D006')?.level).toBe('warning');
    expect(results.find((r) => r.ruleId === 'DF-V001')?.locations).toEqual([
      { logicalLocations: [{ name: 'version', kind: 'member' }] },
    ]);
  });

  it('the schema check can fail: a log without version is refused', () => {
    const validate = validator();
    const log = toSarif([], { toolVersion: '0.1.0' }) as Record<string, unknown>;
    delete log.version;
    expect(validate(log)).toBe(false);
  });

  it('lists every rule of the catalogue as a SARIF rule', () => {
    const log = toSarif([], { toolVersion: '0.1.0' }) as {
      runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } } }>;
    };
    expect(log.runs[0]?.tool.driver.rules.map((r) => r.id)).toEqual(policyRules.map((r) => r.id));
  });

  it('text output names location, severity, rule, and what to do', async () => {
    const text = formatText(await checkFiles(inputs, { version: '1.2.0' }));
    expect(text).toContain('db/changelog.xml:3: error DF-D002: column lab.fax is dropped (changeSet 1)');
    expect(text).toContain('→ Create a new table without fax');
    expect(text.split('\n').at(-1)).toBe('policy: 1 error, 1 warning');
  });
});
