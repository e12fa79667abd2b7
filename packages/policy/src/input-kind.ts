/** What a checked file is, decided by extension and then by content. */
export type InputKind = 'sql' | 'liquibase-xml' | 'yaml' | 'name-list' | 'unsupported';

export const checkedExtensions = ['.sql', '.xml', '.yaml', '.yml', '.json', '.txt'] as const;

export function inputKind(path: string, content: string): InputKind {
  const lowerPath = path.toLowerCase();
  if (lowerPath.endsWith('.sql')) return 'sql';
  if (lowerPath.endsWith('.xml')) return 'liquibase-xml';
  if (lowerPath.endsWith('.yaml') || lowerPath.endsWith('.yml') || lowerPath.endsWith('.json')) return 'yaml';
  if (lowerPath.endsWith('.txt')) return 'name-list';
  const start = content.trimStart();
  if (start.startsWith('<')) return 'liquibase-xml';
  return 'unsupported';
}

export type NameListKind = 'queues' | 'repositories';

// Queue names end with a direction; repository names end with a version. Regexes over names, not SQL.
const queueEnding = /-(inbound|outbound)(\.DLT)?$/;

/** Whether a plain list holds queue names or repository names: by file name first, then by content. */
export function nameListKind(path: string, names: string[]): NameListKind {
  const base = (path.split('/').pop() ?? path).toLowerCase();
  if (base.includes('queue') || base.includes('topic')) return 'queues';
  if (base.includes('repo')) return 'repositories';
  return names.some((name) => queueEnding.test(name)) ? 'queues' : 'repositories';
}
