import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  Scalar,
  type YAMLMap,
} from 'yaml';
import { InputLineError } from './input-error.js';

export class YamlParseError extends InputLineError {
  readonly code = 'YAML_UNPARSABLE';
}

/** YAML (or JSON, a subset of YAML 1.2) documents with their line positions (eemeli/yaml + LineCounter). */
export class YamlSource {
  readonly lineCounter = new LineCounter();
  readonly documents: Node[];

  constructor(content: string) {
    const docs = parseAllDocuments(content, { lineCounter: this.lineCounter, prettyErrors: false });
    const list = Array.isArray(docs) ? docs : [docs];
    for (const doc of list) {
      const [error] = doc.errors;
      if (error) {
        const offset = error.pos[0];
        throw new YamlParseError(
          error.message.split('\n')[0] ?? error.message,
          this.lineCounter.linePos(offset).line,
        );
      }
    }
    this.documents = list.flatMap((doc) => (doc.contents ? [doc.contents as Node] : []));
  }

  line(node: Node | null | undefined): number | null {
    const offset = node?.range?.[0];
    return offset === undefined ? null : this.lineCounter.linePos(offset).line;
  }

  /** First file line of a scalar's text: block scalars (`|`, `>`) start on the line after the indicator. */
  textLine(node: Node): number | null {
    const line = this.line(node);
    if (line === null) return null;
    return isScalar(node) && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED)
      ? line + 1
      : line;
  }
}

export function mapGet(node: unknown, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  for (const pair of (node as YAMLMap<unknown, unknown>).items) {
    const k = isScalar(pair.key) ? pair.key.value : pair.key;
    if (k === key) return (pair.value ?? undefined) as Node | undefined;
  }
  return undefined;
}

/** The key node of `key` in a map, for pointing at `labels:` rather than its first entry. */
export function mapKey(node: unknown, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  for (const pair of (node as YAMLMap<unknown, unknown>).items) {
    if (isScalar(pair.key) && pair.key.value === key) return pair.key as Node;
  }
  return undefined;
}

export function mapEntries(node: unknown): Array<{ key: string; keyNode: Node | null; value: Node | null }> {
  if (!isMap(node)) return [];
  return (node as YAMLMap<unknown, unknown>).items.map((pair) => ({
    key: String(isScalar(pair.key) ? pair.key.value : pair.key),
    keyNode: (isScalar(pair.key) ? pair.key : null) as Node | null,
    value: (pair.value ?? null) as Node | null,
  }));
}

export function seqItems(node: unknown): Node[] {
  return isSeq(node) ? (node.items as Node[]) : [];
}

export function scalarString(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  return String(node.value);
}
