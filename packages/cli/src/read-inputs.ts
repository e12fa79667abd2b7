import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
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
 * in a stable order. Paths in findings are relative to the working directory.
 */
export async function readInputs(paths: string[], cwd: string = process.cwd()): Promise<FileInput[]> {
  const files: string[] = [];
  for (const path of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      throw new CliUsageError('CLI_UNREADABLE_INPUT', `cannot read ${path}: ${reason(error)}`);
    }
    if (info.isDirectory()) {
      try {
        files.push(...(await walk(path)));
      } catch (error) {
        throw new CliUsageError('CLI_UNREADABLE_INPUT', `cannot read directory ${path}: ${reason(error)}`);
      }
    } else {
      files.push(path);
    }
  }
  const inputs: FileInput[] = [];
  for (const file of files) {
    try {
      const content = await readFile(file, 'utf8');
      const rel = relative(cwd, file);
      inputs.push({ path: rel.startsWith('..') ? file : rel || file, content });
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
