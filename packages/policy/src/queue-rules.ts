import type { Finding } from './finding.js';

export interface NamedLine {
  name: string;
  line: number | null;
}

/** What is wrong with a name and what to do instead; null when the name is right. */
type NameProblem = Pick<Finding, 'message' | 'suggestion'> | null;

/** One error of rule `ruleId` for each name `problemOf` finds wrong, at the name's line. */
function namingFindings(
  ruleId: string,
  names: NamedLine[],
  file: string,
  problemOf: (name: string) => NameProblem,
): Finding[] {
  return names.flatMap((named) => {
    const problem = problemOf(named.name);
    return problem ? [{ ruleId, severity: 'error' as const, file, line: named.line, ...problem }] : [];
  });
}

// Regex over queue names (identifiers), never over SQL.
const queuePattern = /^([a-z0-9_]+)-([a-z0-9_]+(?:-[a-z0-9_]+)*?)-(\d+\.\d+)-(inbound|outbound)(\.DLT)?$/;

/** DF-Q001: `{operation}-{entity}-{x.y}-{inbound|outbound}[.DLT]` with `x.y` = the registry version. */
export function checkQueueNames(queues: NamedLine[], file: string, registry: string | null): Finding[] {
  return namingFindings('DF-Q001', queues, file, (name) => {
    const match = queuePattern.exec(name);
    if (!match) {
      return {
        message: `queue "${name}" does not follow {operation}-{entity}-{x.y}-{inbound|outbound}[.DLT]`,
        suggestion: `Name it like create-laboratory-${registry ?? '1.0'}-inbound (operation, entity, registry version, direction).`,
      };
    }
    const version = match[3] ?? '';
    if (registry === null || version === registry) return null;
    const fixed = `${match[1]}-${match[2]}-${registry}-${match[4]}${match[5] ?? ''}`;
    return {
      message: `queue "${name}" carries version ${version}, but the release's registry version is ${registry}`,
      suggestion: `Use ${fixed}.`,
    };
  });
}

const repositoryPattern = /^(.+)-(\d+\.\d+)$/;

/** DF-R001: every repository of the regulation ends with `-{x.y}` = the registry version, so they agree. */
export function checkRepositoryNames(
  repositories: NamedLine[],
  file: string,
  registry: string | null,
): Finding[] {
  const versions = new Set(repositories.map((r) => repositoryPattern.exec(r.name)?.[2]).filter(Boolean));
  return namingFindings('DF-R001', repositories, file, (name) => {
    const match = repositoryPattern.exec(name);
    if (!match) {
      return {
        message: `repository "${name}" does not end with the registry version (-x.y)`,
        suggestion: `Name it ${name}-${registry ?? '1.0'}.`,
      };
    }
    const version = match[2] ?? '';
    const expected = registry ?? (versions.size > 1 ? null : version);
    if (expected === null || version === expected) return null;
    return {
      message: `repository "${name}" is on ${version}, but the regulation's registry version is ${expected}`,
      suggestion: `Use ${match[1]}-${expected} so all repositories of the regulation agree.`,
    };
  });
}
