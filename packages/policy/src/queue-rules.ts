import type { Finding } from './finding.js';

export interface NamedLine {
  name: string;
  line: number | null;
}

// Regex over queue names (identifiers), never over SQL.
const queuePattern = /^([a-z0-9_]+)-([a-z0-9_]+(?:-[a-z0-9_]+)*?)-(\d+\.\d+)-(inbound|outbound)(\.DLT)?$/;

/** DF-Q001: `{operation}-{entity}-{x.y}-{inbound|outbound}[.DLT]` with `x.y` = the registry version. */
export function checkQueueNames(queues: NamedLine[], file: string, registry: string | null): Finding[] {
  const findings: Finding[] = [];
  for (const queue of queues) {
    const match = queuePattern.exec(queue.name);
    if (!match) {
      findings.push({
        ruleId: 'DF-Q001',
        severity: 'error',
        file,
        line: queue.line,
        message: `queue "${queue.name}" does not follow {operation}-{entity}-{x.y}-{inbound|outbound}[.DLT]`,
        suggestion: `Name it like create-laboratory-${registry ?? '1.0'}-inbound (operation, entity, registry version, direction).`,
      });
      continue;
    }
    const version = match[3] ?? '';
    if (registry !== null && version !== registry) {
      const fixed = `${match[1]}-${match[2]}-${registry}-${match[4]}${match[5] ?? ''}`;
      findings.push({
        ruleId: 'DF-Q001',
        severity: 'error',
        file,
        line: queue.line,
        message: `queue "${queue.name}" carries version ${version}, but the release's registry version is ${registry}`,
        suggestion: `Use ${fixed}.`,
      });
    }
  }
  return findings;
}

const repositoryPattern = /^(.+)-(\d+\.\d+)$/;

/** DF-R001: every repository of the regulation ends with `-{x.y}` = the registry version, so they agree. */
export function checkRepositoryNames(
  repositories: NamedLine[],
  file: string,
  registry: string | null,
): Finding[] {
  const findings: Finding[] = [];
  const versions = new Set(repositories.map((r) => repositoryPattern.exec(r.name)?.[2]).filter(Boolean));
  for (const repository of repositories) {
    const match = repositoryPattern.exec(repository.name);
    if (!match) {
      findings.push({
        ruleId: 'DF-R001',
        severity: 'error',
        file,
        line: repository.line,
        message: `repository "${repository.name}" does not end with the registry version (-x.y)`,
        suggestion: `Name it ${repository.name}-${registry ?? '1.0'}.`,
      });
      continue;
    }
    const version = match[2] ?? '';
    const expected = registry ?? (versions.size > 1 ? null : version);
    if (expected !== null && version !== expected) {
      findings.push({
        ruleId: 'DF-R001',
        severity: 'error',
        file,
        line: repository.line,
        message: `repository "${repository.name}" is on ${version}, but the regulation's registry version is ${expected}`,
        suggestion: `Use ${match[1]}-${expected} so all repositories of the regulation agree.`,
      });
    }
  }
  return findings;
}
