/**
 * The repository's own documentation stays whole: every relative link in every README.md and docs/*.md
 * resolves to a file (or folder) of the repository, every `#anchor` into a Markdown file names one of its
 * headings, and no Markdown file points to the reference files kept outside the repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const skipped = new Set(['node_modules', 'dist', '.git', 'data', 'coverage']);

function markdownFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skipped.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...markdownFiles(path));
    else if (entry.name.endsWith('.md')) found.push(path);
  }
  return found;
}

const allMarkdown = markdownFiles(root);
const docsToCheck = allMarkdown.filter((file) => {
  const rel = relative(root, file).split(sep).join('/');
  return rel.endsWith('README.md') || rel.startsWith('docs/');
});

/** The text without fenced code blocks and inline code, where a bracket is not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/``[^`]*``|`[^`\n]*`/g, '');
}

function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const targets: string[] = [];
  for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(match[1]!);
  for (const match of text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm))
    targets.push(match[1]!);
  return targets;
}

/** GitHub's heading anchors: lower case, punctuation dropped (letters of any script kept), spaces → '-'. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = match[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').toLowerCase();
    const slug = text.replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

const external = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

describe('documentation links', () => {
  it('finds the READMEs and docs/', () => {
    const rel = docsToCheck.map((file) => relative(root, file).split(sep).join('/'));
    expect(rel).toContain('README.md');
    expect(rel).toContain('docs/README.md');
    expect(rel).toContain('packages/server/README.md');
  });

  it('every relative link in a README.md or docs/*.md resolves inside the repository', () => {
    const broken: string[] = [];
    for (const file of docsToCheck) {
      const markdown = readFileSync(file, 'utf8');
      const from = relative(root, file);
      for (const target of linkTargets(markdown)) {
        if (external.test(target)) continue;
        const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
        const path = decodeURIComponent(pathPart);
        const resolved =
          path === '' ? file : path.startsWith('/') ? join(root, path) : resolve(dirname(file), path);
        const inside = relative(root, resolved);
        if (inside.startsWith('..')) {
          broken.push(`${from}: ${target} leaves the repository`);
          continue;
        }
        if (!existsSync(resolved)) {
          broken.push(`${from}: ${target} does not exist`);
          continue;
        }
        if (
          anchor !== undefined &&
          anchor !== '' &&
          resolved.endsWith('.md') &&
          statSync(resolved).isFile()
        ) {
          if (!anchorsOf(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor).toLowerCase())) {
            broken.push(`${from}: ${target} names no heading of ${relative(root, resolved)}`);
          }
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('no Markdown file names the reference files kept outside the repository', () => {
    const spec = /\b(?:PRODUCT|CONTRACTS|POLICY|QUALITY|STYLE)\.md\b|\/work\/shared/;
    const offending = allMarkdown.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (spec.test(line) ? [`${relative(root, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(offending).toEqual([]);
  });

  it('reads links and anchors as GitHub does', () => {
    expect(linkTargets('see [a](b.md#c) and `[x](y)` and [r]\n\n[r]: ./r.md')).toEqual(['b.md#c', './r.md']);
    expect(anchorsOf('## Replicas on PostgreSQL\n## `cdflow backup <file>`\n## A: b\n## A: b')).toEqual(
      new Set(['replicas-on-postgresql', 'cdflow-backup-file', 'a-b', 'a-b-1']),
    );
  });
});
