import {
  checkFiles,
  readSchemaChanges,
  suggestHistoryMigration,
  suggestMissingHistoryMigrations,
} from '@cdflow/policy';
import { describe, expect, it } from 'vitest';

const addColumn = {
  path: 'changelog.xml',
  content:
    '<databaseChangeLog>\n  <changeSet id="lab-1.2-001" author="registry">\n    <addColumn tableName="laboratory">\n      <column name="phone_number" type="varchar(7)"/>\n    </addColumn>\n  </changeSet>\n</databaseChangeLog>\n',
};

const wrap = (changeSets: string) => `<databaseChangeLog>\n${changeSets}\n</databaseChangeLog>\n`;

describe('suggested history migrations (cdflow policy fix)', () => {
  it('an addColumn without its migration gets DF-D007, and the suggestion clears it', async () => {
    const before = await checkFiles([addColumn], { version: '1.2.0' });
    expect(before.map((f) => f.ruleId)).toEqual(['DF-D007']);

    const { changes } = await readSchemaChanges([addColumn]);
    const [migration, ...rest] = suggestMissingHistoryMigrations(changes, { version: '1.2.0' });
    expect(rest).toEqual([]);
    expect(migration?.historyTable).toBe('laboratory_hst_1_2');
    expect(migration?.previousHistoryTable).toBe('laboratory_hst_1_1');
    expect(migration?.sql).toContain('ALTER TABLE laboratory_hst_1_2 ADD COLUMN phone_number varchar(7);');

    const after = await checkFiles(
      [addColumn, { path: 'fix.xml', content: wrap(migration?.changeSetXml ?? '') }],
      {
        version: '1.2.0',
        previousVersion: '1.1.0',
      },
    );
    expect(after).toEqual([]);
  });

  it('a distributed table gets the DF-D008 distribution in its suggestion, which satisfies the checker', async () => {
    const config = { distributedTables: { laboratory: 'laboratory_id' } };
    const { changes } = await readSchemaChanges([addColumn]);
    const [migration] = suggestMissingHistoryMigrations(changes, { version: '1.2.0', config });
    expect(migration?.sql).toContain(
      "SELECT create_distributed_table('laboratory_hst_1_2', 'laboratory_id');",
    );
    const after = await checkFiles(
      [addColumn, { path: 'fix.xml', content: wrap(migration?.changeSetXml ?? '') }],
      {
        version: '1.2.0',
        config,
      },
    );
    expect(after).toEqual([]);
  });

  it('nothing is suggested when the migration is already there', async () => {
    const migration = suggestHistoryMigration({
      table: 'laboratory',
      columns: [{ name: 'phone_number', type: 'varchar(7)' }],
      version: '1.2.0',
    });
    const { changes } = await readSchemaChanges([
      addColumn,
      { path: 'fix.xml', content: wrap(migration.changeSetXml) },
    ]);
    expect(suggestMissingHistoryMigrations(changes, { version: '1.2.0' })).toEqual([]);
  });

  it('a platform bump needs the previous version to name the old history table', () => {
    expect(() =>
      suggestHistoryMigration({ table: 'lab', columns: [{ name: 'x', type: 'text' }], version: '2.0.0' }),
    ).toThrow(/pass the previous version/);
    expect(
      suggestHistoryMigration({
        table: 'lab',
        columns: [{ name: 'x', type: 'text' }],
        version: '2.0.0',
        previousVersion: '1.4.1',
      }).previousHistoryTable,
    ).toBe('lab_hst_1_4');
  });
});
