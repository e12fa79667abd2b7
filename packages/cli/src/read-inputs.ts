import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { checkedExtensions, type FileInput } from '@cdflow/policy';
import { CliUsageError } from './cli-error.js';

const skippedDirectories = new Set(['node_modules', '.git', 'dist']);

function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

async function walk(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!skippedDirectories.has(entry.name)) files.push(...(await walk(path)));
    } else if (checkedExtensions.some((ext) => entry.name.toLowerCase().endsWith(ext))) {
      files.push(path);
    }
  }
  return files;
}

/**
 * Reads the named files, and the checked files (.sql .xml .yaml .yml .json .txt) under named directories,
 * in a stable order. Paths are resolved against `cwd`; paths in findings are relative to it (absolute for
 * files outside it).
 */
export async function readInputs(paths: string[], cwd: string = process.cwd()): Promise<FileInput[]> {
  const files: string[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(absolute);
    } catch (error) {
      throw new CliUsageError('CLI_UNREADABLE_INPUT', `cannot read ${path}: ${reason(error)}`);
    }
    if (info.isDirectory()) {
      try {
        files.push(...(await walk(absolute)));
      } catch (error) {
        throw new CliUsageError('CLI_UNREADABLE_INPUT', `cannot read directory ${path}: ${reason(error)}`);
      }
    } else {
      files.push(absolute);
    }
  }
  const inputs: FileInput[] = [];
  for (const file of files) {
    try {
      const content = await readFile(file, 'utf8');
      const rel = relative(cwd, file);
      // A file outside the working directory keeps its absolute path (SARIF gives it a file: URI).
      const outside = rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
      inputs.push({ path: outside ? file : rel, content });
    } catch (error) {
      throw new CliUsageError('CLI_UNREADABLE_INPUT', `cannot read ${file}: ${reason(error)}`);
    }
  }
  if (inputs.length === 0) {
    throw new CliUsageError(
      'CLI_UNREADABLE_INPUT',
      `no checkable files in ${paths.join(', ')} (looked for ${checkedExtensions.join(' ')})`,
    );
  }
  return inputs;
}
