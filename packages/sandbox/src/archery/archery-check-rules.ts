/**
 * Review rules a test adds to the simulated goInception, as a site's own audit configuration would make a
 * statement a warning or an error (e.g. "DROP is an error here", "ALTER without ALGORITHM warns").
 */

/** Which statements a rule matches: a case-insensitive substring, a regular expression, or a predicate. */
export type ArcheryCheckMatch = string | RegExp | ((statement: string) => boolean);

export interface ArcheryCheckVerdict {
  /** 1 warning, 2 error (an error makes a submitted order workflow_autoreviewwrong). */
  errlevel: 1 | 2;
  message: string;
}

interface Rule extends ArcheryCheckVerdict {
  id: number;
  matches(statement: string): boolean;
}

export class ArcheryCheckRules {
  private rules: Rule[] = [];
  private nextId = 1;

  add(match: ArcheryCheckMatch, verdict: ArcheryCheckVerdict): number {
    if (verdict.errlevel !== 1 && verdict.errlevel !== 2) {
      throw new TypeError(`errlevel must be 1 (warning) or 2 (error); got ${String(verdict.errlevel)}`);
    }
    if (typeof verdict.message !== 'string' || verdict.message.trim() === '') {
      throw new TypeError('message must be a non-empty string: it is what goInception answers in the row');
    }
    const id = this.nextId++;
    this.rules.push({ id, errlevel: verdict.errlevel, message: verdict.message, matches: matcher(match) });
    return id;
  }

  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  /** The verdicts of every rule matching `statement`, in the order the rules were added. */
  verdicts(statement: string): ArcheryCheckVerdict[] {
    return this.rules
      .filter((r) => r.matches(statement))
      .map(({ errlevel, message }) => ({ errlevel, message }));
  }
}

function matcher(match: ArcheryCheckMatch): (statement: string) => boolean {
  if (typeof match === 'function') return match;
  if (match instanceof RegExp) {
    // A global or sticky regex keeps state between test() calls; a fresh copy per call keeps matching pure.
    return (statement) => new RegExp(match.source, match.flags.replace(/[gy]/g, '')).test(statement);
  }
  if (typeof match === 'string' && match.length > 0) {
    const needle = match.toLowerCase();
    return (statement) => statement.toLowerCase().includes(needle);
  }
  throw new TypeError('match must be a non-empty string, a RegExp or a function (statement) => boolean');
}
