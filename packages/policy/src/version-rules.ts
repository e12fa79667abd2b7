import type { Finding } from './finding.js';
import type { SchemaChange } from './schema-change.js';
import { compareVersions, isVersion, registryVersion } from './version.js';

export interface VersionInputs {
  version: string | null;
  previousVersion: string | null;
  /** Where the version came from: `version` (request field) or `--version`. */
  field: string;
  dataModelChanges: SchemaChange[];
}

const describe: Record<string, string> = {
  createTable: 'creates table',
  addColumn: 'adds a column to',
  alterColumnType: 'changes a column type of',
  createEnum: 'creates enum',
  addEnumValue: 'extends enum',
};

function subject(change: SchemaChange): string {
  switch (change.kind) {
    case 'createTable':
      return change.table;
    case 'addColumn':
      return `${change.table} (${change.column})`;
    case 'alterColumnType':
      return `${change.table} (${change.column})`;
    case 'createEnum':
    case 'addEnumValue':
      return change.typeName;
    default:
      return '';
  }
}

/** DF-V001 (format), DF-V002 (never backwards), DF-V003 (data-model change needs a registry bump). */
export function checkVersions(inputs: VersionInputs): Finding[] {
  const findings: Finding[] = [];
  const { version, previousVersion, field } = inputs;
  for (const [name, value] of [
    [field, version],
    [`previous ${field}`, previousVersion],
  ] as const) {
    if (value !== null && !isVersion(value)) {
      findings.push({
        ruleId: 'DF-V001',
        severity: 'error',
        file: name,
        line: null,
        message: `"${value}" is not a version: a version is platform.major.minor with non-negative integers and no leading zeros`,
        suggestion: 'Write it as three numbers, e.g. 1.2.0.',
      });
    }
  }
  if (version === null || previousVersion === null || !isVersion(version) || !isVersion(previousVersion)) {
    return findings;
  }
  if (compareVersions(version, previousVersion) < 0) {
    findings.push({
      ruleId: 'DF-V002',
      severity: 'error',
      file: field,
      line: null,
      message: `version ${version} goes backwards from the last applied version ${previousVersion}`,
      suggestion: `Release a version above ${previousVersion}; to undo a change, release its reversal as a new version.`,
    });
    return findings;
  }
  const first = inputs.dataModelChanges[0];
  if (first && registryVersion(version) === registryVersion(previousVersion)) {
    const count = inputs.dataModelChanges.length;
    const next = registryVersion({
      platform: Number(version.split('.')[0]),
      major: Number(version.split('.')[1]) + 1,
      minor: 0,
    });
    findings.push({
      ruleId: 'DF-V003',
      severity: 'error',
      file: first.file,
      line: first.line,
      message: `${field} ${version} is a minor bump of ${previousVersion} (registry version ${registryVersion(version)} unchanged), but the change ${describe[first.kind] ?? 'changes'} ${subject(first)}${count > 1 ? ` and makes ${count - 1} more data-model change${count > 2 ? 's' : ''}` : ''}`,
      suggestion: `Release data-model changes under a new registry version (e.g. ${next}.0), or move them out of this minor release.`,
    });
  }
  return findings;
}
