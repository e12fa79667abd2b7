import { readFileSync } from 'node:fs';
import { checkFiles, checkReleaseSql, type Finding } from '@cdflow/policy';
import { describe, expect, it } from 'vitest';
import { type CorpusCase, corpus } from './corpus/cases.js';

const corpusFile = (name: string): string =>
  readFileSync(new URL(`./corpus/${name}`, import.meta.url), 'utf8');

async function run(c: CorpusCase): Promise<Finding[]> {
  if (c.sqlItems) {
    return checkReleaseSql({
      version: c.version,
      previousVersion: c.previous ?? null,
      items: c.sqlItems,
      ...(c.config ? { config: c.config } : {}),
    });
  }
  const inputs = [
    ...(c.corpusFiles ?? []).map((path) => ({ path, content: corpusFile(path) })),
    ...(c.files ?? []),
  ];
  return checkFiles(inputs, {
    version: c.version,
    ...(c.previous ? { previousVersion: c.previous } : {}),
    ...(c.config ? { config: c.config } : {}),
  });
}

const key = (f: Finding): string => `${f.ruleId}@${f.file}${f.line === null ? '' : `:${f.line}`}`;

/** Multiset difference, so two findings on one line count twice. */
function minus(a: string[], b: string[]): string[] {
  const rest = [...b];
  return a.filter((x) => {
    const i = rest.indexOf(x);
    if (i === -1) return true;
    rest.splice(i, 1);
    return false;
  });
}

describe('the policy corpus', () => {
  it('has at least 40 cases covering every input kind', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of corpus) {
    it(c.name, async () => {
      const actual = (await run(c)).map(key).sort();
      expect(actual).toEqual([...c.expect].sort());
    });
  }

  it('reaches precision and recall 1.0 over the whole corpus', async () => {
    let truePositives = 0;
    let reported = 0;
    let expected = 0;
    for (const c of corpus) {
      const actual = (await run(c)).map(key);
      reported += actual.length;
      expected += c.expect.length;
      truePositives += actual.length - minus(actual, c.expect).length;
    }
    const precision = reported === 0 ? 1 : truePositives / reported;
    const recall = expected === 0 ? 1 : truePositives / expected;
    console.log(
      `policy corpus: ${corpus.length} cases, ${expected} expected findings, ${reported} reported, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`,
    );
    expect(precision).toBe(1);
    expect(recall).toBe(1);
  });
});
