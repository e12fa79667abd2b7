import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cdflow } from './support/cdflow-process.js';

let dir: string;
/** `cdflow policy …` run in the test directory. */
const policy = (...args: string[]) => cdflow(['policy', ...args], dir);

const allowedChangelog = `<databaseChangeLog>
  <changeSet id="laboratory-1.2-001" author="registry">
    <addColumn tableName="laboratory">
      <column name="phone_number" type="varchar(7)"/>
    </addColumn>
  </changeSet>
  <changeSet id="laboratory-1.2-002" author="registry">
    <sql>
      CREATE TABLE laboratory_hst_1_2 (LIKE laboratory_hst_1_1 INCLUDING ALL);
      ALTER TABLE laboratory_hst_1_2 ADD COLUMN phone_number varchar(7);
      INSERT INTO laboratory_hst_1_2 SELECT DISTINCT ON (h.laboratory_id) h.*, NULL FROM laboratory_hst_1_1 h;
    </sql>
  </changeSet>
  <changeSet id="laboratory-1.2-003" author="registry">
    <modifyDataType tableName="laboratory" columnName="phone_number" newDataType="varchar(255)"/>
  </changeSet>
</databaseChangeLog>
`;

beforeAll(async () => {
  // The CLI is tested as users run it: the built bin, spawned as a process.
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'cdflow-cli-'));
  mkdirSync(join(dir, 'allowed'));
  writeFileSync(join(dir, 'allowed', 'changelog.xml'), allowedChangelog);
  writeFileSync(join(dir, 'allowed', 'queues.txt'), 'create-laboratory-1.2-inbound\n');
  writeFileSync(join(dir, 'allowed', 'notes.md'), '# not checked\n');
  writeFileSync(
    join(dir, 'rename.sql'),
    'ALTER TABLE laboratory ADD CONSTRAINT lab_uq UNIQUE (code);\nALTER TABLE laboratory RENAME COLUMN name TO title;\n',
  );
  writeFileSync(join(dir, 'warn.sql'), 'ALTER TABLE laboratory ADD CONSTRAINT lab_uq UNIQUE (code);\n');
  writeFileSync(
    join(dir, 'add-column.xml'),
    '<databaseChangeLog>\n  <changeSet id="1" author="a">\n    <addColumn tableName="laboratory">\n      <column name="phone" type="varchar(7)"/>\n    </addColumn>\n  </changeSet>\n</databaseChangeLog>\n',
  );
  writeFileSync(
    join(dir, 'policy.yaml'),
    'rules:\n  DF-D001: warning\ndistributedTables:\n  laboratory: laboratory_id\n',
  );
  writeFileSync(join(dir, 'bad-policy.yaml'), 'rules:\n  DF-NOPE: off\n');
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cdflow policy check', () => {
  it('exits 0 on a clean directory (seed examples with their history migration)', async () => {
    const run = await policy('check', 'allowed', '--version', '1.2.0', '--previous', '1.1.0');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('policy: no findings');
    expect(run.code).toBe(0);
  });

  it('--format json gives the findings and a summary', async () => {
    const run = await policy('check', 'rename.sql', '--version', '1.2.0', '--format', 'json');
    expect(run.code).toBe(1);
    const body = JSON.parse(run.stdout) as { findings: Array<Record<string, unknown>>; summary: unknown };
    expect(body.summary).toEqual({ errors: 1, warnings: 1 });
    expect(body.findings).toContainEqual(
      expect.objectContaining({ ruleId: 'DF-D001', severity: 'error', file: 'rename.sql', line: 2 }),
    );
  });

  it('--format sarif prints a SARIF 2.1.0 log', async () => {
    const run = await policy('check', 'rename.sql', '--version', '1.2.0', '--format', 'sarif');
    expect(run.code).toBe(1);
    const log = JSON.parse(run.stdout) as {
      version: string;
      runs: Array<{ tool: { driver: { name: string; version: string } }; results: unknown[] }>;
    };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]?.tool.driver).toMatchObject({ name: 'cdflow-policy', version: '0.1.0' });
    expect(log.runs[0]?.results).toHaveLength(2);
  });

  // `policy check <args>`: its exit code and what its output contains.
  it.each<[what: string, args: string, code: number, says: string[]]>([
    [
      'exits 0 with warnings only',
      'warn.sql --version 1.2.0',
      0,
      ['warn.sql:1: warning DF-D006: constraint UNIQUE lab_uq'],
    ],
    [
      'exits 1 on errors and says where and what to do',
      'rename.sql --version 1.2.0',
      1,
      [
        'rename.sql:2: error DF-D001: column laboratory.name is renamed to title',
        '→ Keep name; add title as a new column',
        'policy: 1 error, 1 warning',
      ],
    ],
    [
      '--config switches rule severities (an error made a warning exits 0)',
      'rename.sql --version 1.2.0 --config policy.yaml',
      0,
      ['rename.sql:2: warning DF-D001'],
    ],
    [
      'an invalid --version is a DF-V001 finding (exit 1)',
      'warn.sql --version 1.2',
      1,
      ['version: error DF-V001'],
    ],
    [
      '--suggest prints the missing history migration after the findings',
      'add-column.xml --version 1.2.0 --suggest',
      1,
      [
        'add-column.xml:4: error DF-D007',
        'Suggested history migrations:',
        'CREATE TABLE laboratory_hst_1_2 (LIKE laboratory_hst_1_1 INCLUDING ALL);',
      ],
    ],
  ])('%s', async (_what, args, code, says) => {
    const run = await policy('check', ...args.split(' '));
    expect(run.code).toBe(code);
    for (const text of says) expect(run.stdout).toContain(text);
  });

  // `policy check <args>` refused: exit 2, and what stderr says.
  it.each<[what: string, args: string, says: string]>([
    [
      'naming a missing input',
      'nope.sql --version 1.2.0',
      'cdflow: cannot read nope.sql: no such file or directory',
    ],
    ['without --version', 'rename.sql', "required option '--version <version>' not specified"],
    ['on an unknown format', 'rename.sql --version 1.2.0 --format xml', '--format'],
    [
      'on an invalid configuration, naming the problem',
      'rename.sql --version 1.2.0 --config bad-policy.yaml',
      'bad-policy.yaml: unknown rule "DF-NOPE"',
    ],
  ])('exits 2 %s', async (_what, args, says) => {
    const run = await policy('check', ...args.split(' '));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(says);
  });
});

describe('cdflow policy fix', () => {
  it('prints DF-D007/DF-D008 changesets that make the check pass', async () => {
    const run = await policy('fix', 'add-column.xml', '--version', '1.2.0', '--config', 'policy.yaml');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("SELECT create_distributed_table('laboratory_hst_1_2', 'laboratory_id');");
    const changeSets = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('<!--'))
      .join('\n');
    writeFileSync(join(dir, 'fix.xml'), `<databaseChangeLog>\n${changeSets}\n</databaseChangeLog>\n`);
    const check = await policy(
      'check',
      'add-column.xml',
      'fix.xml',
      '--version',
      '1.2.0',
      '--config',
      'policy.yaml',
    );
    expect(check.stdout.trim()).toBe('policy: no findings');
    expect(check.code).toBe(0);
  });

  it('says so when nothing is missing', async () => {
    const run = await policy('fix', 'allowed/changelog.xml', '--version', '1.2.0');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No history migration is missing');
  });
});
