import { SaxesParser } from 'saxes';
import { InputLineError } from './input-error.js';
import { type LiquibaseChange, type LiquibaseColumn, liquibaseChangeToSchema } from './liquibase-change.js';
import type { SchemaChange } from './schema-change.js';

export class ChangelogParseError extends InputLineError {
  readonly code = 'CHANGELOG_UNPARSABLE';
}

type OpenElement = LiquibaseChange & { columns: LiquibaseColumn[] };

const localName = (name: string): string => name.slice(name.indexOf(':') + 1);

/** Reads the database changes of a Liquibase XML changelog with saxes, keeping each element's line. */
export function liquibaseXmlChanges(content: string, file: string): SchemaChange[] {
  const parser = new SaxesParser({ position: true });
  const stack: OpenElement[] = [];
  const changes: SchemaChange[] = [];
  let changeSet: string | undefined;
  let startLine = 1;
  let sawRoot = false;

  parser.on('opentagstart', () => {
    startLine = parser.line;
  });
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    if (!sawRoot) {
      sawRoot = true;
      if (name !== 'databaseChangeLog') {
        throw new ChangelogParseError(`root element is <${tag.name}>, not <databaseChangeLog>`, startLine);
      }
    }
    const attributes = tag.attributes as Record<string, string>;
    if (name === 'changeSet') changeSet = attributes.id;
    const parent = stack[stack.length - 1];
    if (name === 'column' && parent) {
      parent.columns.push({ attributes, constraints: {}, line: startLine });
    }
    if (name === 'constraints' && parent?.name === 'column') {
      const grand = stack[stack.length - 2];
      const column = grand?.columns[grand.columns.length - 1];
      if (column) column.constraints = attributes;
    }
    // `<sql>` text begins right after the `>` of its opening tag, on the parser's current line.
    stack.push({ name, attributes, line: startLine, chunks: [], columns: [] });
  });
  const onText = (text: string) => {
    const top = stack[stack.length - 1];
    if (top?.name === 'sql') {
      top.chunks.push({ text, line: parser.line - countNewlines(text) });
    }
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const element = stack.pop();
    if (!element) return;
    if (element.name === 'changeSet') changeSet = undefined;
    changes.push(...liquibaseChangeToSchema(element, file, changeSet));
  });
  try {
    parser.write(content).close();
  } catch (error) {
    if (error instanceof ChangelogParseError) throw error;
    throw new ChangelogParseError(error instanceof Error ? error.message : String(error), parser.line);
  }
  return changes;
}

function countNewlines(text: string): number {
  let count = 0;
  for (const ch of text) if (ch === '\n') count++;
  return count;
}
