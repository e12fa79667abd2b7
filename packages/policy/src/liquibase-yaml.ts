import type { Node } from 'yaml';
import { type LiquibaseChange, type LiquibaseColumn, liquibaseChangeToSchema } from './liquibase-change.js';
import type { SchemaChange } from './schema-change.js';
import { mapEntries, mapGet, scalarString, seqItems, type YamlSource } from './yaml-source.js';

/** Whether a YAML/JSON document is a Liquibase changelog (`databaseChangeLog` at the top). */
export function isLiquibaseDocument(document: Node): boolean {
  return mapGet(document, 'databaseChangeLog') !== undefined;
}

/** Reads the database changes of a Liquibase YAML or JSON changelog, keeping each change's line. */
export function liquibaseYamlChanges(source: YamlSource, document: Node, file: string): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const entry of seqItems(mapGet(document, 'databaseChangeLog'))) {
    const changeSetNode = mapGet(entry, 'changeSet');
    if (!changeSetNode) continue;
    const changeSet = scalarString(mapGet(changeSetNode, 'id'));
    for (const changeNode of seqItems(mapGet(changeSetNode, 'changes'))) {
      for (const { key, keyNode, value } of mapEntries(changeNode)) {
        const change = toChange(source, key, keyNode, value);
        if (change) changes.push(...liquibaseChangeToSchema(change, file, changeSet));
      }
    }
  }
  return changes;
}

function attributesOf(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of mapEntries(node)) {
    const text = scalarString(value);
    if (text !== undefined) out[key] = text;
  }
  return out;
}

function toChange(
  source: YamlSource,
  name: string,
  keyNode: Node | null,
  value: Node | null,
): LiquibaseChange | null {
  const line = source.line(keyNode) ?? source.line(value) ?? 1;
  const chunks: LiquibaseChange['chunks'] = [];
  if (name === 'sql') {
    // `sql: "…"` and `sql: { sql: "…" }` are both written in the wild.
    const textNode = scalarString(value) !== undefined ? value : mapGet(value, 'sql');
    const text = scalarString(textNode);
    if (text !== undefined && textNode) chunks.push({ text, line: source.textLine(textNode) ?? line });
  }
  const columns: LiquibaseColumn[] = seqItems(mapGet(value, 'columns')).map((item) => {
    const column = mapGet(item, 'column') ?? item;
    return {
      attributes: attributesOf(column),
      constraints: attributesOf(mapGet(column, 'constraints')),
      line: source.line(column) ?? line,
    };
  });
  return { name, attributes: attributesOf(value), line, chunks, columns };
}
