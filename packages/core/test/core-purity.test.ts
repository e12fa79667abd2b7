import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const srcDir = new URL('../src/', import.meta.url);
const forbidden = [
  /^node:/,
  /^(fs|net|http|https|child_process|dgram|tls|worker_threads|cluster|os|crypto)(\/.*)?$/,
  /^got$/,
  /^fastify/,
  /^@fastify\//,
  /^better-sqlite3$/,
  /^drizzle-orm/,
  /^pg$/,
  /^pino/,
];

/** Every module specifier imported or re-exported by a source file. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g,
  )) {
    found.push((m[1] ?? m[2] ?? m[3])!);
  }
  return found;
}

describe('@cdflow/core is pure', () => {
  it('no source file imports an I/O module, HTTP client, server or database', () => {
    const files = readdirSync(srcDir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(readFileSync(new URL(file, srcDir), 'utf8'))) {
        if (forbidden.some((re) => re.test(spec))) offenders.push(`${file}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the import scanner catches what it must', () => {
    expect(
      importsOf("import { readFileSync } from 'node:fs';\nexport * from 'got';\nawait import('fastify');"),
    ).toEqual(['node:fs', 'got', 'fastify']);
  });
});
