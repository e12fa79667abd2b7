import { loadModule } from 'libpg-query';
import type { Node } from 'yaml';
import { applyRuleSettings } from './apply-config.js';
import { checkDatabaseChanges } from './database-rules.js';
import type { Finding } from './finding.js';
import { inputKind, nameListKind } from './input-kind.js';
import { checkKubernetesDocuments, isKubernetesDocument } from './kubernetes-rules.js';
import { ChangelogParseError, liquibaseXmlChanges } from './liquibase-xml.js';
import { isLiquibaseDocument, liquibaseYamlChanges } from './liquibase-yaml.js';
import { type PolicyConfig, resolvePolicyConfig } from './policy-config.js';
import { checkQueueNames, checkRepositoryNames, type NamedLine } from './queue-rules.js';
import type { SchemaChange } from './schema-change.js';
import { sqlChanges } from './sql-changes.js';
import { isVersion, registryVersion } from './version.js';
import { checkVersions } from './version-rules.js';
import { mapGet, scalarString, seqItems, YamlParseError, YamlSource } from './yaml-source.js';

export interface CheckFilesOptions {
  /** The release version `platform.major.minor`. */
  version: string;
  /** The last applied version, for DF-V002/DF-V003. */
  previousVersion?: string;
  config?: Partial<PolicyConfig>;
}

export interface FileInput {
  path: string;
  content: string;
}

function unparsable(file: string, line: number | null, detail: string): Finding {
  return {
    ruleId: 'DF-P001',
    severity: 'error',
    file,
    line,
    message: `cannot parse ${file}: ${detail}`,
    suggestion: 'Fix the file so it parses; the policy cannot vouch for what it cannot read.',
  };
}

/**
 * Checks files of one change (changelogs, SQL, manifests, queue and repository lists) against the policy.
 * Pure: the caller reads the files. All database changes are checked together, in input order, since a
 * history migration may sit in another file than its addColumn.
 */
export async function checkFiles(inputs: FileInput[], options: CheckFilesOptions): Promise<Finding[]> {
  const config = resolvePolicyConfig(options.config);
  await loadModule();
  const registry = isVersion(options.version) ? registryVersion(options.version) : null;
  const { changes, findings } = readInputs(inputs, registry);
  const database = checkDatabaseChanges(changes, { config, registry });
  findings.push(...database.findings);
  findings.push(
    ...checkVersions({
      version: options.version,
      previousVersion: options.previousVersion ?? null,
      field: 'version',
      dataModelChanges: database.dataModelChanges,
    }),
  );
  return applyRuleSettings(findings, config);
}

/** Database changes of the inputs, for `cdflow policy fix`. */
export async function readSchemaChanges(
  inputs: FileInput[],
): Promise<{ changes: SchemaChange[]; findings: Finding[] }> {
  await loadModule();
  return readInputs(inputs, null);
}

/** The database changes and the findings of the inputs, in input order. */
function readInputs(
  inputs: FileInput[],
  registry: string | null,
): { changes: SchemaChange[]; findings: Finding[] } {
  const changes: SchemaChange[] = [];
  const findings: Finding[] = [];
  for (const input of inputs) {
    const result = readInput(input, registry);
    changes.push(...result.changes);
    findings.push(...result.findings);
  }
  return { changes, findings };
}

function readInput(
  input: FileInput,
  registry: string | null,
): { changes: SchemaChange[]; findings: Finding[] } {
  const { path, content } = input;
  switch (inputKind(path, content)) {
    case 'sql':
      return { changes: sqlChanges(content, { file: path, firstLine: 1 }), findings: [] };
    case 'liquibase-xml':
      try {
        return { changes: liquibaseXmlChanges(content, path), findings: [] };
      } catch (error) {
        if (error instanceof ChangelogParseError)
          return { changes: [], findings: [unparsable(path, error.line, error.message)] };
        throw error;
      }
    case 'yaml':
      return readYaml(path, content, registry);
    case 'name-list':
      return { changes: [], findings: checkNameList(path, content, registry) };
    default:
      return {
        changes: [],
        findings: [
          {
            ruleId: 'DF-P001',
            severity: 'warning',
            file: path,
            line: null,
            message: `${path} is not a kind of input the policy knows, so nothing in it was checked`,
            suggestion: 'Pass .sql, .xml, .yaml/.yml/.json or .txt files.',
          },
        ],
      };
  }
}

function readYaml(
  path: string,
  content: string,
  registry: string | null,
): { changes: SchemaChange[]; findings: Finding[] } {
  let source: YamlSource;
  try {
    source = new YamlSource(content);
  } catch (error) {
    if (error instanceof YamlParseError)
      return { changes: [], findings: [unparsable(path, error.line, error.message)] };
    throw error;
  }
  const changes: SchemaChange[] = [];
  const findings: Finding[] = [];
  const manifests: Node[] = [];
  let recognised = false;
  for (const document of source.documents) {
    if (isLiquibaseDocument(document)) {
      recognised = true;
      changes.push(...liquibaseYamlChanges(source, document, path));
    } else if (isKubernetesDocument(document)) {
      recognised = true;
      manifests.push(document);
    } else {
      for (const key of ['queues', 'repositories'] as const) {
        const list = mapGet(document, key);
        if (!list) continue;
        recognised = true;
        const names: NamedLine[] = seqItems(list).flatMap((item) => {
          const name = scalarString(item);
          return name === undefined ? [] : [{ name, line: source.line(item) }];
        });
        findings.push(
          ...(key === 'queues'
            ? checkQueueNames(names, path, registry)
            : checkRepositoryNames(names, path, registry)),
        );
      }
    }
  }
  if (manifests.length > 0) findings.push(...checkKubernetesDocuments(source, manifests, path, registry));
  if (!recognised && source.documents.length > 0) {
    findings.push({
      ruleId: 'DF-P001',
      severity: 'warning',
      file: path,
      line: null,
      message: `${path} is neither a Liquibase changelog, a Kubernetes manifest nor a queues/repositories list; nothing in it was checked`,
      suggestion: 'Pass the changelog, the rendered manifests or a file with `queues:` / `repositories:`.',
    });
  }
  return { changes, findings };
}

function checkNameList(path: string, content: string, registry: string | null): Finding[] {
  const names: NamedLine[] = [];
  content.split('\n').forEach((raw, index) => {
    const name = raw.trim();
    if (name !== '' && !name.startsWith('#')) names.push({ name, line: index + 1 });
  });
  const kind = nameListKind(
    path,
    names.map((n) => n.name),
  );
  return kind === 'queues'
    ? checkQueueNames(names, path, registry)
    : checkRepositoryNames(names, path, registry);
}
