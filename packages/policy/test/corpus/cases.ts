/**
 * The policy corpus: inputs with the findings they must produce, as `ruleId@file:line` (or `ruleId@field`).
 * A case lists every finding it expects, so both missed findings and false alarms count against the checker.
 */
export interface CorpusCase {
  name: string;
  version: string;
  previous?: string;
  /** Files read from this folder. */
  corpusFiles?: string[];
  /** Files written inline. */
  files?: Array<{ path: string; content: string }>;
  /** A release request's SQL items (checked with checkReleaseSql instead of checkFiles). */
  sqlItems?: Array<{ id: string; file: string; sql: string; dialect?: 'postgresql' | 'mysql' }>;
  config?: Record<string, unknown>;
  expect: string[];
}

const changelog = (body: string): string =>
  `<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n${body}\n</databaseChangeLog>\n`;

const historyMigration = `    <sql>
      CREATE TABLE laboratory_hst_1_2 (LIKE laboratory_hst_1_1 INCLUDING ALL);
      INSERT INTO laboratory_hst_1_2 SELECT * FROM laboratory_hst_1_1;
    </sql>`;

/** A case of one inline file, at version 1.2.0 unless `more` says otherwise. */
const oneFile = (
  name: string,
  path: string,
  content: string,
  expect: string[],
  more: Partial<CorpusCase> = {},
): CorpusCase => ({ name, version: '1.2.0', files: [{ path, content }], expect, ...more });

/** A case of a release request's SQL items, at version 1.2.0 unless `more` says otherwise. */
const releaseSql = (
  name: string,
  sqlItems: NonNullable<CorpusCase['sqlItems']>,
  expect: string[],
  more: Partial<CorpusCase> = {},
): CorpusCase => ({ name, version: '1.2.0', sqlItems, expect, ...more });

export const corpus: CorpusCase[] = [
  // ── The reference examples (fixtures/policy/README.md) ──
  {
    name: 'seed examples are allowed at 1.2.0 after 1.1.x',
    version: '1.2.0',
    previous: '1.1.4',
    corpusFiles: ['changelog-1.2-allowed.xml'],
    expect: [],
  },
  {
    name: 'violations changelog',
    version: '1.2.0',
    corpusFiles: ['changelog-1.2-violations.xml'],
    expect: [
      'DF-D001@changelog-1.2-violations.xml:4',
      'DF-D002@changelog-1.2-violations.xml:7',
      'DF-D004@changelog-1.2-violations.xml:10',
      'DF-D001@changelog-1.2-violations.xml:13',
      'DF-D005@changelog-1.2-violations.xml:16',
    ],
  },
  {
    name: 'deployment: Service lacks version label',
    version: '1.0.0',
    corpusFiles: ['deployment-1.0.yaml'],
    expect: ['DF-K001@deployment-1.0.yaml:28'],
  },
  {
    name: 'queues at 1.0',
    version: '1.0.0',
    corpusFiles: ['queues-1.0.txt'],
    expect: ['DF-Q001@queues-1.0.txt:4', 'DF-Q001@queues-1.0.txt:5'],
  },

  // ── PostgreSQL DDL ──
  oneFile('pg: rename column', 'a.sql', 'ALTER TABLE laboratory\n  RENAME COLUMN name TO full_name;\n', [
    'DF-D001@a.sql:1',
  ]),
  oneFile('pg: rename table', 'a.sql', '-- rename\nALTER TABLE laboratory RENAME TO lab;\n', [
    'DF-D001@a.sql:2',
  ]),
  oneFile('pg: rename view is free', 'a.sql', 'ALTER VIEW search_lab RENAME TO search_laboratory;\n', []),
  oneFile('pg: drop column', 'a.sql', 'SELECT 1;\nALTER TABLE laboratory DROP COLUMN fax;\n', [
    'DF-D002@a.sql:2',
  ]),
  oneFile('pg: drop table', 'a.sql', 'DROP TABLE laboratory;\n', ['DF-D003@a.sql:1']),
  {
    name: 'pg: drop and recreate view is free',
    version: '1.2.0',
    files: [
      {
        path: 'a.sql',
        content: 'DROP VIEW search_lab;\nCREATE VIEW search_lab AS SELECT id FROM laboratory;\n',
      },
    ],
    expect: [],
  },
  {
    name: 'pg: widening type changes are allowed',
    version: '1.2.0',
    files: [
      {
        path: 'a.sql',
        content:
          'CREATE TABLE t (a varchar(10), b smallint, c numeric(10,2), d timestamp(3), e varchar(5));\n' +
          'ALTER TABLE t ALTER COLUMN a TYPE varchar(20), ALTER COLUMN b TYPE bigint;\n' +
          'ALTER TABLE t ALTER COLUMN c TYPE numeric(12,2);\nALTER TABLE t ALTER COLUMN d TYPE timestamp(6);\n' +
          'ALTER TABLE t ALTER COLUMN e TYPE text;\n',
      },
    ],
    expect: [],
  },
  {
    name: 'pg: narrowing and converting type changes',
    version: '1.2.0',
    files: [
      {
        path: 'a.sql',
        content:
          'CREATE TABLE t (a varchar(10), b bigint, c numeric(10,2), d text);\n' +
          'ALTER TABLE t ALTER COLUMN a TYPE varchar(5);\n' +
          'ALTER TABLE t ALTER COLUMN b TYPE integer;\n' +
          'ALTER TABLE t ALTER COLUMN c TYPE numeric(12,3);\n' +
          'ALTER TABLE t ALTER COLUMN d TYPE integer USING d::integer;\n',
      },
    ],
    expect: ['DF-D004@a.sql:2', 'DF-D004@a.sql:3', 'DF-D004@a.sql:4', 'DF-D004@a.sql:5'],
  },
  oneFile(
    'pg: dropping a scratch table (temporaryTablePatterns, default ^tmp_) is allowed',
    'a.sql',
    'DROP TABLE IF EXISTS tmp_x;\nDROP TABLE TMP_report_2026;\n',
    [],
  ),
  oneFile(
    'pg: the scratch-table patterns are configurable',
    'a.sql',
    'DROP TABLE scratch_x;\nDROP TABLE tmp_x;\n',
    ['DF-D003@a.sql:2'],
    { config: { temporaryTablePatterns: ['^scratch_'] } },
  ),
  oneFile(
    'pg: type change with unknown previous type',
    'a.sql',
    'ALTER TABLE laboratory ALTER COLUMN code TYPE bigint;\n',
    ['DF-D004@a.sql:1'],
  ),
  oneFile('pg: enum rename value', 'a.sql', "ALTER TYPE status RENAME VALUE 'closed' TO 'archived';\n", [
    'DF-D005@a.sql:1',
  ]),
  oneFile('pg: enum add value is allowed', 'a.sql', "ALTER TYPE status ADD VALUE 'paused';\n", [], {
    previous: '1.1.0',
  }),
  oneFile('pg: enum drop type', 'a.sql', 'DROP TYPE status;\n', ['DF-D005@a.sql:1']),
  oneFile('pg: delete from pg_enum', 'a.sql', "DELETE FROM pg_enum WHERE enumlabel = 'closed';\n", [
    'DF-D005@a.sql:1',
  ]),
  {
    name: 'pg: add constraints warn and name the constraint',
    version: '1.2.0',
    files: [
      {
        path: 'a.sql',
        content:
          'ALTER TABLE laboratory ADD CONSTRAINT lab_code_uq UNIQUE (code);\n' +
          'ALTER TABLE laboratory ADD CONSTRAINT lab_fk FOREIGN KEY (org_id) REFERENCES org(id);\n' +
          'ALTER TABLE laboratory ALTER COLUMN code SET NOT NULL;\n' +
          "ALTER TABLE laboratory ADD CONSTRAINT lab_ck CHECK (code <> '');\n",
      },
    ],
    expect: ['DF-D006@a.sql:1', 'DF-D006@a.sql:2', 'DF-D006@a.sql:3', 'DF-D006@a.sql:4'],
  },
  {
    name: 'pg: NOT NULL column without default on existing table',
    version: '1.2.0',
    files: [
      { path: 'a.sql', content: `ALTER TABLE laboratory ADD COLUMN code varchar(10) NOT NULL;\n` },
      { path: 'b.xml', content: changelog(historyMigration) },
    ],
    expect: ['DF-D006@a.sql:1'],
  },
  {
    name: 'pg: NOT NULL column with default is fine',
    version: '1.2.0',
    files: [
      { path: 'a.sql', content: `ALTER TABLE laboratory ADD COLUMN code varchar(10) NOT NULL DEFAULT '';\n` },
      { path: 'b.xml', content: changelog(historyMigration) },
    ],
    expect: [],
  },
  oneFile(
    'pg: new column without history migration',
    'a.sql',
    '\n\nALTER TABLE laboratory ADD COLUMN phone varchar(7);\n',
    ['DF-D007@a.sql:3'],
  ),
  {
    name: 'pg: history table created but rows not copied',
    version: '1.2.0',
    files: [
      {
        path: 'a.sql',
        content:
          'ALTER TABLE laboratory ADD COLUMN phone varchar(7);\nCREATE TABLE laboratory_hst_1_2 (LIKE laboratory_hst_1_1 INCLUDING ALL);\n',
      },
    ],
    expect: ['DF-D007@a.sql:1'],
  },
  {
    name: 'pg: history migration for the wrong registry version',
    version: '1.3.0',
    files: [
      {
        path: 'a.sql',
        content:
          'ALTER TABLE laboratory ADD COLUMN phone varchar(7);\nCREATE TABLE laboratory_hst_1_2 (LIKE laboratory_hst_1_1 INCLUDING ALL);\nINSERT INTO laboratory_hst_1_2 SELECT * FROM laboratory_hst_1_1;\n',
      },
    ],
    expect: ['DF-D007@a.sql:1'],
  },
  {
    name: 'pg: history migration with CREATE TABLE AS SELECT',
    version: '1.2.0',
    files: [
      {
        path: 'a.sql',
        content:
          'ALTER TABLE laboratory ADD COLUMN phone varchar(7);\nCREATE TABLE laboratory_hst_1_2 AS SELECT * FROM laboratory_hst_1_1;\n',
      },
    ],
    expect: [],
  },
  {
    name: 'pg: columns of a new table need no history migration',
    version: '1.2.0',
    files: [
      {
        path: 'a.sql',
        content: 'CREATE TABLE lab_note (id bigint);\nALTER TABLE lab_note ADD COLUMN body text NOT NULL;\n',
      },
    ],
    expect: [],
  },
  {
    name: 'pg: distributed table (Citus call seen earlier): new history table not distributed',
    version: '1.2.0',
    files: [
      { path: '01-base.sql', content: "SELECT create_distributed_table('laboratory', 'laboratory_id');\n" },
      {
        path: '02-change.sql',
        content:
          'ALTER TABLE laboratory ADD COLUMN phone varchar(7);\nCREATE TABLE laboratory_hst_1_2 (LIKE laboratory_hst_1_1 INCLUDING ALL);\nINSERT INTO laboratory_hst_1_2 SELECT * FROM laboratory_hst_1_1;\n',
      },
    ],
    expect: ['DF-D008@02-change.sql:2'],
  },
  {
    name: 'pg: distributed (config): new history table distributed on the same column',
    version: '1.2.0',
    config: { distributedTables: { laboratory_hst_1_1: 'laboratory_id' } },
    files: [
      {
        path: 'a.sql',
        content:
          "ALTER TABLE laboratory ADD COLUMN phone varchar(7);\nCREATE TABLE laboratory_hst_1_2 (LIKE laboratory_hst_1_1 INCLUDING ALL);\nSELECT create_distributed_table('laboratory_hst_1_2', 'laboratory_id');\nINSERT INTO laboratory_hst_1_2 SELECT * FROM laboratory_hst_1_1;\n",
      },
    ],
    expect: [],
  },
  {
    name: 'pg: distributed on another column',
    version: '1.2.0',
    config: { distributedTables: { laboratory: 'laboratory_id' } },
    files: [
      {
        path: 'a.sql',
        content:
          "ALTER TABLE laboratory ADD COLUMN phone varchar(7);\nCREATE TABLE laboratory_hst_1_2 (LIKE laboratory_hst_1_1 INCLUDING ALL);\nSELECT create_distributed_table('laboratory_hst_1_2', 'id');\nINSERT INTO laboratory_hst_1_2 SELECT * FROM laboratory_hst_1_1;\n",
      },
    ],
    expect: ['DF-D008@a.sql:2'],
  },
  {
    name: 'pg: custom history table pattern',
    version: '2.1.0',
    config: { historyTablePattern: 'hist_{table}_v{platform}_{major}' },
    files: [
      {
        path: 'a.sql',
        content:
          'ALTER TABLE lab ADD COLUMN phone text;\nCREATE TABLE hist_lab_v2_1 AS SELECT * FROM hist_lab_v2_0;\n',
      },
    ],
    expect: [],
  },
  oneFile('pg: unparsable SQL', 'a.sql', 'SELECT 1;\nALTER TABLE FROM WHERE;\n', ['DF-P001@a.sql:2']),
  {
    name: 'formatted SQL changelog with non-ASCII comments keeps lines',
    version: '1.2.0',
    files: [
      {
        path: 'a.sql',
        content:
          '--liquibase formatted sql\n--changeset registry:lab-1\n-- 新增字段：电话号码\nCREATE TABLE lab_note (id bigint);\n--changeset registry:lab-2\nALTER TABLE laboratory DROP COLUMN fax;\n',
      },
    ],
    expect: ['DF-D002@a.sql:6'],
  },

  // ── MySQL where the syntax differs ──
  oneFile(
    'mysql: CHANGE renames a column (and its previous type is unknown)',
    'm.sql',
    '-- MySQL\nALTER TABLE t CHANGE a b int;\n',
    ['DF-D001@m.sql:2', 'DF-D004@m.sql:2'],
  ),
  oneFile(
    'mysql: CHANGE on a table created in the same change is free',
    'm.sql',
    'CREATE TABLE t (a int);\nALTER TABLE t CHANGE a b int;\n',
    [],
  ),
  {
    name: 'mysql: MODIFY narrows a column',
    version: '1.2.0',
    files: [
      {
        path: 'm.sql',
        content: 'CREATE TABLE t (a varchar(20));\nALTER TABLE t MODIFY COLUMN a varchar(10);\n',
      },
    ],
    expect: ['DF-D004@m.sql:2'],
  },
  {
    name: 'mysql: MODIFY widens a column',
    version: '1.2.0',
    files: [
      {
        path: 'm.sql',
        content:
          'CREATE TABLE t (a varchar(20), b int);\nALTER TABLE t MODIFY COLUMN a varchar(40);\nALTER TABLE t MODIFY b bigint;\n',
      },
    ],
    expect: [],
  },
  oneFile('mysql: RENAME TABLE', 'm.sql', 'CREATE TABLE x (a int);\nRENAME TABLE t TO u;\n', [
    'DF-D001@m.sql:2',
  ]),
  {
    name: 'mysql: enum loses a value',
    version: '1.2.0',
    files: [
      {
        path: 'm.sql',
        content: "CREATE TABLE t (s ENUM('a','b','c'));\nALTER TABLE t MODIFY s ENUM('a','b');\n",
      },
    ],
    expect: ['DF-D005@m.sql:2'],
  },
  {
    name: 'mysql: enum gains a value',
    version: '1.2.0',
    files: [
      {
        path: 'm.sql',
        content: "CREATE TABLE t (s ENUM('a','b'));\nALTER TABLE t MODIFY s ENUM('a','b','c');\n",
      },
    ],
    expect: [],
  },

  // ── Liquibase XML / YAML / JSON ──
  {
    name: 'xml: drop table and addNotNullConstraint',
    version: '1.2.0',
    files: [
      {
        path: 'c.xml',
        content: changelog(
          '  <changeSet id="1" author="a">\n    <dropTable tableName="laboratory"/>\n  </changeSet>\n  <changeSet id="2" author="a">\n    <addNotNullConstraint tableName="org" columnName="code"/>\n  </changeSet>',
        ),
      },
    ],
    expect: ['DF-D003@c.xml:3', 'DF-D006@c.xml:6'],
  },
  {
    name: 'xml: addColumn NOT NULL without default and unique constraint',
    version: '1.2.0',
    files: [
      {
        path: 'c.xml',
        content: changelog(
          `  <changeSet id="1" author="a">\n    <addColumn tableName="laboratory">\n      <column name="code" type="varchar(10)">\n        <constraints nullable="false" unique="true"/>\n      </column>\n    </addColumn>\n${historyMigration}\n  </changeSet>`,
        ),
      },
    ],
    expect: ['DF-D006@c.xml:4', 'DF-D006@c.xml:4'],
  },
  {
    name: 'xml: createTable then modifyDataType widening',
    version: '1.2.0',
    files: [
      {
        path: 'c.xml',
        content: changelog(
          '  <changeSet id="1" author="a">\n    <createTable tableName="org">\n      <column name="code" type="varchar(10)"/>\n    </createTable>\n    <modifyDataType tableName="org" columnName="code" newDataType="varchar(50)"/>\n  </changeSet>',
        ),
      },
    ],
    expect: [],
  },
  oneFile(
    'xml: malformed XML',
    'c.xml',
    '<databaseChangeLog>\n  <changeSet id="1">\n</databaseChangeLog>\n',
    ['DF-P001@c.xml:3'],
  ),
  {
    name: 'xml: MySQL-only sql block',
    version: '1.2.0',
    files: [
      {
        path: 'c.xml',
        content: changelog(
          '  <changeSet id="1" author="a">\n    <sql dbms="mysql">\n      ALTER TABLE t CHANGE a b int;\n    </sql>\n  </changeSet>',
        ),
      },
    ],
    expect: ['DF-D001@c.xml:4', 'DF-D004@c.xml:4'],
  },
  {
    name: 'yaml changelog: renameColumn and sql block',
    version: '1.2.0',
    files: [
      {
        path: 'c.yaml',
        content:
          'databaseChangeLog:\n  - changeSet:\n      id: y-1\n      author: a\n      changes:\n        - renameColumn:\n            tableName: laboratory\n            oldColumnName: name\n            newColumnName: title\n        - sql:\n            sql: |\n              SELECT 1;\n              ALTER TABLE laboratory DROP COLUMN fax;\n',
      },
    ],
    expect: ['DF-D001@c.yaml:6', 'DF-D002@c.yaml:13'],
  },
  {
    name: 'yaml changelog: addColumn with history migration is clean',
    version: '1.2.0',
    previous: '1.1.0',
    files: [
      {
        path: 'c.yaml',
        content:
          'databaseChangeLog:\n  - changeSet:\n      id: y-1\n      author: a\n      changes:\n        - addColumn:\n            tableName: laboratory\n            columns:\n              - column:\n                  name: phone\n                  type: varchar(7)\n        - sql:\n            sql: >-\n              CREATE TABLE laboratory_hst_1_2 AS SELECT * FROM laboratory_hst_1_1\n',
      },
    ],
    expect: [],
  },
  {
    name: 'json changelog: dropColumn',
    version: '1.2.0',
    files: [
      {
        path: 'c.json',
        content:
          '{\n  "databaseChangeLog": [\n    { "changeSet": { "id": "j-1", "author": "a", "changes": [\n      { "dropColumn": { "tableName": "laboratory", "columnName": "fax" } }\n    ] } }\n  ]\n}\n',
      },
    ],
    expect: ['DF-D002@c.json:4'],
  },

  // ── Kubernetes manifests ──
  {
    name: 'k8s: workload selector and template lack version',
    version: '1.0.0',
    files: [
      {
        path: 'd.yaml',
        content:
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: lab\n  labels:\n    app: lab\n    version: "1.0"\nspec:\n  selector:\n    matchLabels:\n      app: lab\n  template:\n    metadata:\n      labels:\n        app: lab\n',
      },
    ],
    expect: ['DF-K001@d.yaml:10', 'DF-K001@d.yaml:14'],
  },
  {
    name: 'k8s: wrong version label',
    version: '1.1.0',
    files: [
      {
        path: 'd.yaml',
        content:
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lab\n  labels:\n    app: lab\n    version: "1.0"\n',
      },
    ],
    expect: ['DF-K001@d.yaml:7'],
  },
  {
    name: 'k8s: two versions deployed side by side',
    version: '1.1.0',
    files: [
      {
        path: 'd.yaml',
        content:
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: lab-1-1\n  labels: {app: lab, version: "1.1"}\nspec:\n  selector:\n    matchLabels: {app: lab, version: "1.1"}\n  template:\n    metadata:\n      labels: {app: lab, version: "1.1"}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: lab-1-0\n  labels: {app: lab, version: "1.0"}\nspec:\n  selector:\n    matchLabels: {app: lab, version: "1.0"}\n  template:\n    metadata:\n      labels: {app: lab, version: "1.0"}\n',
      },
    ],
    expect: ['DF-K001@d.yaml:17', 'DF-K001@d.yaml:20', 'DF-K001@d.yaml:23', 'DF-K002@d.yaml:13'],
  },

  // ── Queue and repository names ──
  {
    name: 'queues in a YAML config',
    version: '1.2.0',
    files: [
      {
        path: 'app.yaml',
        content:
          'queues:\n  - create-lab-1.2-inbound\n  - create-lab-1.2-outbound.DLT\n  - create-lab-1.1-outbound\n',
      },
    ],
    expect: ['DF-Q001@app.yaml:4'],
  },
  {
    name: 'queue with multi-word entity is fine',
    version: '1.0.0',
    files: [
      {
        path: 'topics.txt',
        content: 'create-lab-staff-1.0-inbound\n# comment\n\nupdate-lab-staff-1.0-outbound.DLT\n',
      },
    ],
    expect: [],
  },
  {
    name: 'repositories disagree',
    version: '1.0.0',
    files: [
      {
        path: 'repos.txt',
        content: 'laboratory-rest-api-1.0\nlaboratory-kafka-api-1.0\nlaboratory-model-1.1\nlaboratory-ui\n',
      },
    ],
    expect: ['DF-R001@repos.txt:3', 'DF-R001@repos.txt:4'],
  },
  {
    name: 'repositories agree',
    version: '1.0.2',
    files: [
      {
        path: 'repositories.yaml',
        content: 'repositories:\n  - laboratory-rest-api-1.0\n  - laboratory-model-1.0\n',
      },
    ],
    expect: [],
  },

  // ── Versions ──
  oneFile('version format', 'q.txt', 'create-lab-1.2-inbound\n', ['DF-V001@version'], { version: '1.02.0' }),
  oneFile('version goes backwards', 'a.sql', 'SELECT 1;\n', ['DF-V002@version'], {
    version: '1.1.0',
    previous: '1.2.0',
  }),
  oneFile(
    'minor bump with a new table',
    'a.sql',
    'SELECT 1;\nCREATE TABLE report (id int);\n',
    ['DF-V003@a.sql:2'],
    { version: '1.1.1', previous: '1.1.0' },
  ),
  oneFile('minor bump without data-model change', 'a.sql', 'CREATE OR REPLACE VIEW v AS SELECT 1;\n', [], {
    version: '1.1.1',
    previous: '1.1.0',
  }),
  oneFile('platform bump with a new table', 'a.sql', 'CREATE TABLE report (id int);\n', [], {
    version: '2.0.0',
    previous: '1.4.2',
  }),

  // ── Release requests (the runtime gate) ──
  releaseSql(
    'release: renamed column in sql_info',
    [
      { id: 'a18-0001', file: '05.act_ddl.sql', sql: 'CREATE VIEW v AS SELECT 1;' },
      { id: 'a18-0002', file: '06.ddl.sql', sql: '\nALTER TABLE acc RENAME COLUMN a TO b;' },
    ],
    ['DF-D001@sql_info[a18-0002] 06.ddl.sql:2'],
    { previous: '1.1.0' },
  ),
  releaseSql(
    'release: history migration split across items, minor bump',
    [
      { id: 's1', file: '01.sql', sql: 'ALTER TABLE lab ADD COLUMN phone text;' },
      { id: 's2', file: '02.sql', sql: 'CREATE TABLE lab_hst_1_1 AS SELECT * FROM lab_hst_1_0;' },
    ],
    ['DF-V003@sql_info[s1] 01.sql:1'],
    { version: '1.1.5', previous: '1.1.4' },
  ),
  releaseSql(
    'release: rule switched off by configuration',
    [
      {
        id: 's1',
        file: '01.sql',
        sql: 'ALTER TABLE lab DROP COLUMN fax;\nALTER TABLE lab RENAME TO l;',
        dialect: 'postgresql',
      },
    ],
    ['DF-D001@sql_info[s1] 01.sql:2'],
    { config: { rules: { 'DF-D002': 'off', 'DF-D001': 'warning' } } },
  ),
];
