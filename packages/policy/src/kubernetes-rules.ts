import { isScalar, type Node } from 'yaml';
import type { Finding } from './finding.js';
import { mapEntries, mapGet, mapKey, scalarString, type YamlSource } from './yaml-source.js';

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/** Whether a YAML document is a Kubernetes resource (`apiVersion` and `kind`). */
export function isKubernetesDocument(document: Node): boolean {
  return scalarString(mapGet(document, 'kind')) !== undefined && mapGet(document, 'apiVersion') !== undefined;
}

/** A label value as written: `version: 1.0` must stay "1.0", not the number 1. */
function labelText(node: Node | undefined): string | undefined {
  if (!isScalar(node)) return undefined;
  return node.source ?? scalarString(node);
}

interface Workload {
  kind: string;
  name: string;
  app: string | undefined;
  version: string | undefined;
  line: number | null;
}

/**
 * DF-K001 (labels `app` and `version` = registry version everywhere; workloads select on both and label
 * their pod template) and DF-K002 (one version of an app at a time) over multi-document YAML.
 */
export function checkKubernetesDocuments(
  source: YamlSource,
  documents: Node[],
  file: string,
  registry: string | null,
): Finding[] {
  const findings: Finding[] = [];
  const workloads: Workload[] = [];
  for (const document of documents) {
    const kind = scalarString(mapGet(document, 'kind')) ?? '?';
    const metadata = mapGet(document, 'metadata');
    const name = scalarString(mapGet(metadata, 'name')) ?? '(unnamed)';
    const resource = `${kind} ${name}`;
    const fallbackLine = source.line(metadata) ?? source.line(document);
    /** The labels `key` of `parent` holds, located at the key (or `parent`, or `outer` when it is absent). */
    const labelsUnder = (place: string, parent: Node | undefined, key: string, outer?: Node) => {
      const line = source.line(mapKey(parent, key) ?? parent ?? outer) ?? fallbackLine;
      return labelFindings(source, mapGet(parent, key), place, resource, file, registry, line);
    };
    findings.push(...labelsUnder('metadata.labels', metadata, 'labels'));
    const spec = mapGet(document, 'spec');
    if (workloadKinds.has(kind)) {
      const selector = mapGet(spec, 'selector');
      findings.push(...labelsUnder('spec.selector.matchLabels', selector, 'matchLabels', spec));
      const template = mapGet(mapGet(spec, 'template'), 'metadata');
      findings.push(...labelsUnder('spec.template.metadata.labels', template, 'labels', spec));
      const ownLabels = mapGet(metadata, 'labels');
      workloads.push({
        kind,
        name,
        app: labelText(mapGet(ownLabels, 'app')),
        version: labelText(mapGet(ownLabels, 'version')),
        line: source.line(document),
      });
    }
  }
  findings.push(...singleVersionFindings(workloads, file));
  return findings;
}

function labelFindings(
  source: YamlSource,
  labels: Node | undefined,
  place: string,
  resource: string,
  file: string,
  registry: string | null,
  line: number | null,
): Finding[] {
  const present = new Map(mapEntries(labels).map((entry) => [entry.key, entry.value]));
  const missing = ['app', 'version'].filter((key) => !present.has(key));
  const findings: Finding[] = [];
  if (missing.length > 0) {
    findings.push({
      ruleId: 'DF-K001',
      severity: 'error',
      file,
      line,
      message: `${resource}: ${place} lacks ${missing.map((m) => `\`${m}\``).join(' and ')}`,
      suggestion: `Add ${missing.map((m) => (m === 'version' ? `version: "${registry ?? 'x.y'}"` : 'app: <regulation app>')).join(' and ')} to ${place}.`,
    });
  }
  const versionNode = present.get('version');
  const version = labelText(versionNode ?? undefined);
  if (versionNode && registry !== null && version !== registry) {
    findings.push({
      ruleId: 'DF-K001',
      severity: 'error',
      file,
      line: source.line(versionNode) ?? line,
      message: `${resource}: ${place}.version is ${version ?? '(empty)'}, but the release's registry version is ${registry}`,
      suggestion: `Set version: "${registry}" (quoted, so it stays a string).`,
    });
  }
  return findings;
}

function singleVersionFindings(workloads: Workload[], file: string): Finding[] {
  const findings: Finding[] = [];
  const firstByApp = new Map<string, Workload>();
  for (const workload of workloads) {
    if (!workload.app || !workload.version) continue;
    const first = firstByApp.get(workload.app);
    if (!first) {
      firstByApp.set(workload.app, workload);
      continue;
    }
    if (first.version !== workload.version) {
      findings.push({
        ruleId: 'DF-K002',
        severity: 'error',
        file,
        line: workload.line,
        message: `${workload.kind} ${workload.name} deploys ${workload.app} ${workload.version} beside ${first.kind} ${first.name} on ${first.version}`,
        suggestion: `Deploy one version of ${workload.app}: ${workload.version} replaces ${first.version} (same resource names, new labels and image tag).`,
      });
    }
  }
  return findings;
}
