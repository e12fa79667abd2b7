/**
 * The JQL subset the simulator understands: `project`, `summary`, `status`, `issuetype`, `key` with `=`,
 * `!=`, `~`, `in`, `not in`, combined with AND/OR/NOT and parentheses, then `ORDER BY`. Errors carry
 * Jira's own messages, and the simulator refuses what Jira refuses (`summary = …`, bad text queries).
 */
import { JiraSimError } from './jira-sim-error.js';

export interface JqlIssueView {
  key: string;
  id: number;
  projectKey: string;
  summary: string;
  statusName: string;
  issueTypeName: string;
  created: number;
  updated: number;
}

export interface JqlVocabulary {
  projects: string[];
  statuses: string[];
  issueTypes: string[];
}

type Field = 'project' | 'summary' | 'status' | 'issuetype' | 'key';
type Operator = '=' | '!=' | '~' | '!~' | 'in' | 'not in';
type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node }
  | { kind: 'clause'; field: Field; op: Operator; values: string[] };

export interface JqlQuery {
  where: Node | null;
  orderBy: { field: 'created' | 'updated' | 'key'; direction: 'ASC' | 'DESC' } | null;
}

const fieldAliases: Record<string, Field> = {
  project: 'project',
  summary: 'summary',
  status: 'status',
  issuetype: 'issuetype',
  type: 'issuetype',
  key: 'key',
  issuekey: 'key',
  issue: 'key',
};

type Token = { kind: 'word' | 'string' | 'op' | 'lparen' | 'rparen' | 'comma'; text: string };

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < jql.length) {
    const c = jql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', text: c });
      i++;
    } else if (c === '"' || c === "'") {
      let text = '';
      i++;
      while (i < jql.length && jql[i] !== c) {
        if (jql[i] === '\\' && i + 1 < jql.length) {
          // JQL keeps the backslash of a Lucene escape (`\\[`) for the text search; `\"` is just a quote.
          const next = jql[i + 1]!;
          text += next === c || next === '\\' ? (next === '\\' ? '\\' : next) : `\\${next}`;
          i += 2;
        } else {
          text += jql[i++];
        }
      }
      if (i >= jql.length)
        throw jqlError(`Error in the JQL Query: The quoted string '${text}' has not been completed.`);
      i++;
      tokens.push({ kind: 'string', text });
    } else if (c === '!' && jql[i + 1] === '=') {
      tokens.push({ kind: 'op', text: '!=' });
      i += 2;
    } else if (c === '!' && jql[i + 1] === '~') {
      tokens.push({ kind: 'op', text: '!~' });
      i += 2;
    } else if (c === '=' || c === '~') {
      tokens.push({ kind: 'op', text: c });
      i++;
    } else if (c === '<' || c === '>') {
      throw jqlError(`Error in the JQL Query: the simulator does not support the operator '${c}'.`);
    } else {
      let text = '';
      while (i < jql.length && !/[\s(),="'!~<>]/.test(jql[i]!)) text += jql[i++];
      if (/[/]/.test(text)) {
        throw jqlError(
          `Error in the JQL Query: The character '/' is a reserved JQL character. You must enclose it in a string or use the escape '\\u002f' instead.`,
        );
      }
      tokens.push({ kind: 'word', text });
    }
  }
  return tokens;
}

function jqlError(message: string): JiraSimError {
  return JiraSimError.messages(400, message);
}

/** Parse a JQL query, checking every value against what exists (as Jira does). */
export function parseJql(jql: string, vocabulary: JqlVocabulary): JqlQuery {
  const tokens = tokenize(jql);
  let pos = 0;
  const peekWord = (word: string) => tokens[pos]?.kind === 'word' && tokens[pos]!.text.toLowerCase() === word;

  /** `operand` joined by the keyword `kind`, grouped from the left (`a or b or c` is `(a or b) or c`). */
  const parseJoined = (kind: 'or' | 'and', operand: () => Node): Node => {
    let left = operand();
    while (peekWord(kind)) {
      pos++;
      left = { kind, left, right: operand() };
    }
    return left;
  };
  const parseOr = (): Node => parseJoined('or', parseAnd);
  const parseAnd = (): Node => parseJoined('and', parseUnary);
  const parseUnary = (): Node => {
    if (peekWord('not')) {
      pos++;
      return { kind: 'not', inner: parseUnary() };
    }
    if (tokens[pos]?.kind === 'lparen') {
      pos++;
      const inner = parseOr();
      if (tokens[pos]?.kind !== 'rparen')
        throw jqlError("Error in the JQL Query: Expecting ')' before the end of the query.");
      pos++;
      return inner;
    }
    return parseClause();
  };
  const parseValue = (): string => {
    const t = tokens[pos];
    if (!t || (t.kind !== 'word' && t.kind !== 'string')) {
      throw jqlError(
        'Error in the JQL Query: Expecting either a value, list or function but got end of query.',
      );
    }
    pos++;
    return t.text;
  };
  const parseClause = (): Node => {
    const t = tokens[pos];
    if (!t || (t.kind !== 'word' && t.kind !== 'string')) {
      throw jqlError('Error in the JQL Query: Expecting a field name.');
    }
    pos++;
    const field = fieldAliases[t.text.toLowerCase()];
    if (!field) throw jqlError(`Field '${t.text}' does not exist or you do not have permission to view it.`);
    let op: Operator;
    const o = tokens[pos];
    if (o?.kind === 'op') {
      op = o.text as Operator;
      pos++;
    } else if (peekWord('in')) {
      op = 'in';
      pos++;
    } else if (
      peekWord('not') &&
      tokens[pos + 1]?.kind === 'word' &&
      tokens[pos + 1]!.text.toLowerCase() === 'in'
    ) {
      op = 'not in';
      pos += 2;
    } else {
      throw jqlError(`Error in the JQL Query: Expecting operator but got '${o?.text ?? 'end of query'}'.`);
    }
    let values: string[];
    if (op === 'in' || op === 'not in') {
      if (tokens[pos]?.kind !== 'lparen') throw jqlError("Error in the JQL Query: Expecting '(' after 'in'.");
      pos++;
      values = [parseValue()];
      while (tokens[pos]?.kind === 'comma') {
        pos++;
        values.push(parseValue());
      }
      if (tokens[pos]?.kind !== 'rparen')
        throw jqlError("Error in the JQL Query: Expecting ')' to close the list.");
      pos++;
    } else {
      values = [parseValue()];
    }
    checkClause(field, op, values, vocabulary);
    return { kind: 'clause', field, op, values };
  };

  let where: Node | null = null;
  if (tokens.length > 0 && !peekWord('order')) where = parseOr();
  let orderBy: JqlQuery['orderBy'] = null;
  if (peekWord('order')) {
    pos++;
    if (!peekWord('by')) throw jqlError("Error in the JQL Query: Expecting 'by' after 'order'.");
    pos++;
    const f = tokens[pos++]?.text.toLowerCase();
    if (f !== 'created' && f !== 'updated' && f !== 'key') {
      throw jqlError(`Not able to sort using field '${f ?? ''}'.`);
    }
    let direction: 'ASC' | 'DESC' = 'ASC';
    if (peekWord('asc') || peekWord('desc')) direction = tokens[pos++]!.text.toUpperCase() as 'ASC' | 'DESC';
    orderBy = { field: f, direction };
  }
  if (pos < tokens.length)
    throw jqlError(`Error in the JQL Query: Expecting end of query but got '${tokens[pos]!.text}'.`);
  return { where, orderBy };
}

function checkClause(field: Field, op: Operator, values: string[], vocabulary: JqlVocabulary): void {
  const textOps = op === '~' || op === '!~';
  if (field === 'summary' && !textOps) {
    throw jqlError(`The operator '${op}' is not supported by the summary field.`);
  }
  if (field !== 'summary' && textOps)
    throw jqlError(`The operator '${op}' is not supported by the ${field} field.`);
  if (field === 'summary') {
    for (const v of values) checkTextQuery(v);
    return;
  }
  const known =
    field === 'project'
      ? vocabulary.projects
      : field === 'status'
        ? vocabulary.statuses
        : field === 'issuetype'
          ? vocabulary.issueTypes
          : null;
  if (known === null) return;
  for (const v of values) {
    if (!known.some((k) => k.toLowerCase() === v.toLowerCase())) {
      throw jqlError(`The value '${v}' does not exist for the field '${field}'.`);
    }
  }
}

// Lucene reserved characters Jira refuses unescaped in a text search.
const reservedInText = /[[\]{}()^~:!"\\]/;

function checkTextQuery(query: string): void {
  const unescaped = query.replace(/\\./g, '');
  if (reservedInText.test(unescaped) || /^[*?]/.test(query.trim())) {
    throw jqlError(
      `The text query '${query}' for field 'summary' is not valid: probably your use of wildcard characters is not correct.`,
    );
  }
}

/** Terms of a text query: Lucene's analysis is approximated by "every term occurs in the text". */
function textMatches(text: string, query: string): boolean {
  const terms = query
    .replace(/\\(.)/g, '$1')
    .toLowerCase()
    .split(/[\s+\-&|!(){}[\]^"~*?:\\/]+/)
    .filter((t) => t.length > 0);
  const haystack = text.toLowerCase();
  return terms.length > 0 && terms.every((t) => haystack.includes(t));
}

function fieldValue(issue: JqlIssueView, field: Field): string {
  switch (field) {
    case 'project':
      return issue.projectKey;
    case 'summary':
      return issue.summary;
    case 'status':
      return issue.statusName;
    case 'issuetype':
      return issue.issueTypeName;
    case 'key':
      return issue.key;
  }
}

function evaluate(node: Node, issue: JqlIssueView): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, issue) && evaluate(node.right, issue);
    case 'or':
      return evaluate(node.left, issue) || evaluate(node.right, issue);
    case 'not':
      return !evaluate(node.inner, issue);
    case 'clause': {
      const actual = fieldValue(issue, node.field);
      if (node.op === '~') return textMatches(actual, node.values[0]!);
      if (node.op === '!~') return !textMatches(actual, node.values[0]!);
      const hit = node.values.some((v) => v.toLowerCase() === actual.toLowerCase());
      return node.op === '=' || node.op === 'in' ? hit : !hit;
    }
  }
}

/** Issues matching the query, ordered as asked (default: newest first, as Jira's default ordering is). */
export function runJql<T extends JqlIssueView>(query: JqlQuery, issues: readonly T[]): T[] {
  const matched = issues.filter((i) => query.where === null || evaluate(query.where, i));
  const order = query.orderBy ?? { field: 'created', direction: 'DESC' };
  const sign = order.direction === 'ASC' ? 1 : -1;
  return matched.sort((a, b) => {
    const d = order.field === 'key' ? a.id - b.id : a[order.field] - b[order.field] || a.id - b.id;
    return sign * d;
  });
}

/** Whether one issue matches a JQL query (webhook filters). */
export function matchesJql(query: JqlQuery, issue: JqlIssueView): boolean {
  return query.where === null || evaluate(query.where, issue);
}
