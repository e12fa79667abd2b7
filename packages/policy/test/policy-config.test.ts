import { checkReleaseSql, PolicyConfigError, parsePolicyConfig, resolvePolicyConfig } from '@cdflow/policy';
import { describe, expect, it } from 'vitest';

describe('policy configuration', () => {
  it('reads YAML and keeps defaults for what it does not set', () => {
    const config = parsePolicyConfig(
      'rules:\n  DF-D006: off\ndistributedTables:\n  Laboratory: laboratory_id\n',
    );
    expect(config).toEqual({
      rules: { 'DF-D006': 'off' },
      historyTablePattern: '{table}_hst_{platform}_{major}',
      distributedTables: { laboratory: 'laboratory_id' },
      temporaryTablePatterns: ['^tmp_'],
    });
  });

  it.each([
    [{ rules: { 'DF-X999': 'off' } }, /unknown rule "DF-X999"/],
    [{ rules: { 'DF-D001': 'never' } }, /use error, warning or off/],
    [{ historyTablePattern: 'hst_{major}' }, /must be a string containing \{table\}/],
    [{ distributedTables: { lab: 3 } }, /distribution column name/],
    [{ rule: {} }, /unknown policy configuration key "rule"/],
    [{ temporaryTablePatterns: '^tmp_' }, /list of regular expressions/],
    [{ temporaryTablePatterns: ['(tmp'] }, /"\(tmp" is not a valid regular expression/],
  ])('refuses %j with a message saying what to write', (input, message) => {
    expect(() => resolvePolicyConfig(input)).toThrow(PolicyConfigError);
    expect(() => resolvePolicyConfig(input)).toThrow(message);
  });

  it('a type change whose previous type the inputs do not show is a warning; a known narrowing stays an error', async () => {
    const unknown = await checkReleaseSql({
      version: '1.2.0',
      previousVersion: '1.1.0',
      items: [{ id: 's1', file: 'a.sql', sql: 'ALTER TABLE lab MODIFY COLUMN name varchar(255);' }],
    });
    expect(unknown.map((f) => [f.ruleId, f.severity])).toEqual([['DF-D004', 'warning']]);
    const narrowing = await checkReleaseSql({
      version: '1.2.0',
      previousVersion: '1.1.0',
      items: [
        {
          id: 's1',
          file: 'a.sql',
          sql: 'CREATE TABLE t (a varchar(20));\nALTER TABLE t MODIFY COLUMN a varchar(10);',
        },
      ],
    });
    expect(narrowing.map((f) => [f.ruleId, f.severity])).toEqual([['DF-D004', 'error']]);
  });

  it('a rule set to warning no longer blocks the release gate', async () => {
    const items = [{ id: 's1', file: 'a.sql', sql: 'ALTER TABLE lab DROP COLUMN fax;' }];
    const strict = await checkReleaseSql({ version: '1.2.0', previousVersion: '1.1.0', items });
    expect(strict.map((f) => [f.ruleId, f.severity])).toEqual([['DF-D002', 'error']]);
    const relaxed = await checkReleaseSql({
      version: '1.2.0',
      previousVersion: '1.1.0',
      items,
      config: { rules: { 'DF-D002': 'warning' } },
    });
    expect(relaxed.map((f) => [f.ruleId, f.severity, f.file, f.line])).toEqual([
      ['DF-D002', 'warning', 'sql_info[s1] a.sql', 1],
    ]);
  });
});
