import type { Severity } from './finding.js';

/** One rule of the catalogue (docs/policy.md); used by the checker, the docs and SARIF `tool.driver.rules`. */
export interface PolicyRule {
  id: string;
  /** Default severity; DF-D006 raises a NOT NULL column without default to `error`. */
  severity: Severity;
  title: string;
  description: string;
  /** False for rules the checker lists but cannot decide from its inputs (see README). */
  checked: boolean;
}

export const policyRules: readonly PolicyRule[] = [
  {
    id: 'DF-V001',
    severity: 'error',
    title: 'Version format',
    description: 'A version is `platform.major.minor`: three non-negative integers without leading zeros.',
    checked: true,
  },
  {
    id: 'DF-V002',
    severity: 'error',
    title: 'No going backwards',
    description: 'A release never goes backwards from the last applied version of the same regulation.',
    checked: true,
  },
  {
    id: 'DF-V003',
    severity: 'error',
    title: 'Data-model change needs a registry version',
    description:
      'A new table, new column, type change, enum extension or new history table needs a major or platform bump; a minor bump carries no data-model change.',
    checked: true,
  },
  {
    id: 'DF-R001',
    severity: 'error',
    title: 'Repositories carry the registry version',
    description:
      'The repositories of one regulation end with the registry version (`laboratory-model-1.0`) and agree with each other.',
    checked: true,
  },
  {
    id: 'DF-A001',
    severity: 'error',
    title: 'Artifacts keep their coordinates',
    description:
      'Built artifacts keep group id and artifact id, and images stay in the same image stream; only the version changes.',
    checked: false,
  },
  {
    id: 'DF-D001',
    severity: 'error',
    title: 'No renames',
    description: 'Renaming a column or a table breaks data lineage and is forbidden.',
    checked: true,
  },
  {
    id: 'DF-D002',
    severity: 'error',
    title: 'No dropped columns',
    description: 'Dropping a column is forbidden: create a new table without the column and reload the data.',
    checked: true,
  },
  {
    id: 'DF-D003',
    severity: 'error',
    title: 'No dropped tables',
    description:
      'Dropping a table with data is forbidden (views and search conditions may be recreated; scratch tables matching `temporaryTablePatterns`, default `^tmp_`, may be dropped).',
    checked: true,
  },
  {
    id: 'DF-D004',
    severity: 'error',
    title: 'Only widening type changes',
    description:
      'A type change is allowed only when it needs no data modification: varchar(n)→varchar(m≥n), varchar→text, smallint→integer→bigint, numeric(p,s)→numeric(q≥p,s), more fractional-second precision. A change whose previous type the inputs do not show is a warning (it cannot be shown to widen).',
    checked: true,
  },
  {
    id: 'DF-D005',
    severity: 'error',
    title: 'Enums are only extended',
    description: 'An enum may gain values; removing or renaming a value is forbidden.',
    checked: true,
  },
  {
    id: 'DF-D006',
    severity: 'warning',
    title: 'Added constraints need clean data',
    description:
      'A NOT NULL, CHECK, UNIQUE or foreign-key constraint is allowed only when existing data satisfies it (warning); a NOT NULL column without default added to an existing table is an error.',
    checked: true,
  },
  {
    id: 'DF-D007',
    severity: 'error',
    title: 'New column needs its history migration',
    description:
      'Adding a column to an operational table requires, in the same change, a new history table for the new registry version and a copy of the latest history records into it.',
    checked: true,
  },
  {
    id: 'DF-D008',
    severity: 'error',
    title: 'History table keeps its distribution',
    description:
      'When the operational table or its previous history table is distributed, the new history table is distributed on the same column.',
    checked: true,
  },
  {
    id: 'DF-Q001',
    severity: 'error',
    title: 'Queue names carry the registry version',
    description:
      'A queue is `{operation}-{entity}-{x.y}-{inbound|outbound}` (optionally `.DLT`), with `x.y` the release registry version.',
    checked: true,
  },
  {
    id: 'DF-K001',
    severity: 'error',
    title: 'Kubernetes labels app and version',
    description:
      'Every resource has labels `app` and `version` (= registry version); workloads select on both and label their pod template with both.',
    checked: true,
  },
  {
    id: 'DF-K002',
    severity: 'error',
    title: 'One version deployed at a time',
    description: 'A regulation is deployed in one version only: a new version replaces the old one.',
    checked: true,
  },
  {
    id: 'DF-P001',
    severity: 'error',
    title: 'Input must be parseable',
    description:
      'SQL, changelogs and manifests the checker cannot parse cannot be verified; they are refused rather than let through.',
    checked: true,
  },
];

export function findPolicyRule(id: string): PolicyRule | undefined {
  return policyRules.find((rule) => rule.id === id);
}
