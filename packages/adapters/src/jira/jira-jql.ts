/** Building JQL safely: quoted string literals and text-search terms that Lucene will not misread. */

/** A JQL string literal: double quotes with `"` and `\` escaped. */
export function jqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// Lucene's reserved characters: unescaped they make Jira answer 400 ("probably your use of wildcard
// characters is not correct"). A text search only narrows candidates, so they become spaces.
const luceneReserved = /[+\-&|!(){}[\]^"~*?:\\/]/g;

/**
 * The text-search term for `summary ~ …` that finds an exact summary among its candidates, or null when
 * nothing searchable is left (the caller then lists the project instead).
 */
export function summarySearchTerm(summary: string): string | null {
  const term = summary.replace(luceneReserved, ' ').replace(/\s+/g, ' ').trim();
  return term.length === 0 ? null : term;
}
