/**
 * The SQL files the SVN and GitLab simulators start with: those the sandbox's sample release and the
 * server's test releases name in `sql_info` (same `svn_path`/`svn_file`/`svn_version`, same text as their
 * `sql_content`), so a release without `sql_content` works in the sandbox; plus a GB18030 file with
 * Chinese comments and a Chinese name, a UTF-8 file with a BOM, and a file deleted at a later revision.
 */

export type SqlSeedEncoding = 'utf-8' | 'utf-8-bom' | 'gb18030';

export interface SqlSeedFile {
  /** `svn_path` of the release item (the GitLab repository is its first segment). */
  svnPath: string;
  svnFile: string;
  /** The text a correct decoder reads from `bytes` (no BOM). */
  text: string;
  encoding: SqlSeedEncoding;
  /** The stored bytes. */
  bytes: Uint8Array;
}

export interface SqlSeedCommit {
  /** The SVN revision of the commit; also the GitLab tag of the commit (a release names either). */
  revision: number;
  message: string;
  files: readonly SqlSeedFile[];
  /** `svn_path/svn_file` paths removed in this commit. */
  deletes?: readonly string[];
}

function file(
  svnPath: string,
  svnFile: string,
  text: string,
  encoding: 'utf-8' | 'utf-8-bom' = 'utf-8',
): SqlSeedFile {
  const utf8 = new TextEncoder().encode(text);
  const bytes = encoding === 'utf-8-bom' ? Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8]) : utf8;
  return { svnPath, svnFile, text, encoding, bytes };
}

const acc = 'database_acc/db_a18/acc';

const memberRemarkText =
  "-- 会员备注：新增备注字段（GB18030 编码）\nALTER TABLE member ADD COLUMN remark VARCHAR(64) COMMENT '会员备注';\n";
// Node cannot encode GB18030 (TextEncoder is UTF-8 only), so the bytes are spelled out.
const memberRemarkGb18030 =
  '2d2d20bbe1d4b1b1b8d7a2a3bad0c2d4f6b1b8d7a2d7d6b6cea3a84742313830333020b1e0c2eba3a90a414c544552205441424c45' +
  '206d656d6265722041444420434f4c554d4e2072656d61726b20564152434841522836342920434f4d4d454e542027bbe1d4b1b1b8' +
  'd7a2273b0a';

/** The seed files by name, for tests and examples. */
export const sqlSeedFiles = {
  /** packages/server/test/support/e2e-harness.ts, svn_version 1201. */
  searchLaboratory: file(
    acc,
    '01.acc_view_search_laboratory.sql',
    'CREATE OR REPLACE VIEW search_laboratory_by_city AS SELECT id, name, city FROM laboratory;',
  ),
  laboratoryCity: file(
    acc,
    '02.acc_dml_laboratory.sql',
    "UPDATE laboratory SET city = 'Kyiv' WHERE city = 'Kiev';",
  ),
  /** Added at 1201, deleted at 2001: found at 1201, 404 (HTML) at 2001. */
  laboratoryScratch: file(
    acc,
    '00.acc_ddl_laboratory_scratch.sql',
    'CREATE TABLE laboratory_scratch (id INT);',
  ),
  /** The sandbox's sample release (sampleReleaseRequest), svn_version 2001. */
  storeByRegion: file(
    acc,
    '01.acc_view_store_by_region.sql',
    'CREATE OR REPLACE VIEW store_by_region AS SELECT id, name, region FROM store WHERE closed_at IS NULL;',
  ),
  storeRegion: file(
    acc,
    '02.acc_dml_store_region.sql',
    "UPDATE store SET region = 'north' WHERE region = 'N';",
  ),
  /** packages/server/test/support/test-server.ts, svn_version 3001. */
  memberPoints: file(
    acc,
    '01.acc_member_points.sql',
    'CREATE OR REPLACE VIEW member_points_v AS SELECT id, points FROM member;',
  ),
  /** GB18030 bytes, Chinese comment and Chinese file name, at 3002. */
  memberRemark: {
    svnPath: acc,
    svnFile: '03.acc_ddl_会员备注.sql',
    text: memberRemarkText,
    encoding: 'gb18030',
    bytes: Uint8Array.from(Buffer.from(memberRemarkGb18030, 'hex')),
  },
  /** UTF-8 with a BOM (Windows Notepad), at 3003. */
  memberRemarkFill: file(
    acc,
    '04.acc_dml_member_remark.sql',
    "-- 备注默认值\nUPDATE member SET remark = '' WHERE remark IS NULL;\n",
    'utf-8-bom',
  ),
} satisfies Record<string, SqlSeedFile>;

const f = sqlSeedFiles;

/** The seed history, oldest first. The SVN repository's youngest revision is the last one (3003). */
export const sqlSeedCommits: readonly SqlSeedCommit[] = [
  {
    revision: 1201,
    message: 'A18: laboratory search by city',
    files: [f.searchLaboratory, f.laboratoryCity, f.laboratoryScratch],
  },
  {
    revision: 2001,
    message: 'A18: stores by region; drop the scratch table script',
    files: [f.storeByRegion, f.storeRegion],
    deletes: [`${f.laboratoryScratch.svnPath}/${f.laboratoryScratch.svnFile}`],
  },
  { revision: 3001, message: 'A18: member points view', files: [f.memberPoints] },
  { revision: 3002, message: 'A18: 会员备注字段', files: [f.memberRemark] },
  { revision: 3003, message: 'A18: member remark default', files: [f.memberRemarkFill] },
];
