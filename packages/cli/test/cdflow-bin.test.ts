import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type AjvDraft04 from 'ajv-draft-04';
import type addFormatsPlugin from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, repoRoot, run, shellWord } from './support/cdflow-process.js';

// The official SARIF 2.1.0 (rtm.5) JSON schema as shipped on npm by Microsoft's @microsoft/jest-sarif
// (the same schema the policy package's SARIF test validates with).
const require = createRequire(import.meta.url);
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as object;
// CommonJS modules whose default export TypeScript sees as the module object: load them as Node does.
const Ajv = require('ajv-draft-04') as typeof AjvDraft04.default;
const addFormats = require('ajv-formats') as typeof addFormatsPlugin.default;

function sarifValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }); // the schema's language pattern is not valid in unicode mode
  addFormats(ajv);
  return ajv.compile(schema);
}

// A file inside the repository (relative to the working directory: %SRCROOT%) whose name needs
// percent-encoding, and one outside it (written to a temp dir by the test).
const fixture = 'packages/cli/test/fixtures/sarif/rename column.sql';
const fixtureUri = 'packages/cli/test/fixtures/sarif/rename%20column.sql';
const sql =
  'ALTER TABLE laboratory ADD CONSTRAINT lab_uq UNIQUE (code);\nALTER TABLE laboratory RENAME COLUMN name TO title;\n';

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

interface SarifLog {
  version: string;
  runs: Array<{
    originalUriBaseIds?: Record<string, { uri: string }>;
    results: Array<{
      ruleId: string;
      locations: Array<{
        physicalLocation?: { artifactLocation: ArtifactLocation; region?: { startLine: number } };
      }>;
    }>;
  }>;
}

let dir: string;
let outside: string;

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'cdflow-bin-'));
  outside = join(dir, 'outside.sql');
  writeFileSync(outside, sql);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the cdflow bin, as a shell runs it with stdout redirected to a file', () => {
  it('`npx cdflow policy check … --format sarif > out.sarif` writes a valid SARIF 2.1.0 file, locations relative to %SRCROOT%', async () => {
    const out = join(dir, 'out.sarif');
    // --no: resolve the workspace's own link only, never fetch a same-named package from the registry.
    const command = `npx --no cdflow policy check ${shellWord(fixture)} ${shellWord(outside)} --version 1.2.0 --format sarif > ${shellWord(out)}`;
    const result = await run('sh', ['-c', command], { cwd: repoRoot });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1); // DF-D001 is an error

    // The whole file is the log: nothing but the command's output went to stdout.
    const log = JSON.parse(readFileSync(out, 'utf8')) as SarifLog;
    const validate = sarifValidator();
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);

    const sarifRun = log.runs[0];
    const root = sarifRun?.originalUriBaseIds?.['%SRCROOT%']?.uri;
    expect(root).toBe(pathToFileURL(repoRoot).href);
    expect(root?.endsWith('/')).toBe(true);

    const rename = sarifRun?.results.find(
      (r) =>
        r.ruleId === 'DF-D001' &&
        r.locations[0]?.physicalLocation?.artifactLocation.uriBaseId === '%SRCROOT%',
    );
    expect(rename?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: fixtureUri, uriBaseId: '%SRCROOT%' },
      region: { startLine: 2 },
    });
    // The relative URI, resolved against %SRCROOT%, is the file that was checked.
    expect(fileURLToPath(new URL(fixtureUri, root))).toBe(join(repoRoot, fixture));

    // A file outside the working directory has no base to be relative to: its absolute file: URI.
    const outsideLocations = sarifRun?.results
      .map((r) => r.locations[0]?.physicalLocation?.artifactLocation)
      .filter((location) => location?.uri === pathToFileURL(outside).href);
    expect(outsideLocations).toEqual([
      { uri: pathToFileURL(outside).href },
      { uri: pathToFileURL(outside).href },
    ]);
  });

  it('`pnpm exec cdflow … > out.json` writes only the JSON (no pnpm header line)', async () => {
    const out = join(dir, 'out.json');
    const command = `npx --yes pnpm@10 exec cdflow policy check ${shellWord(fixture)} --version 1.2.0 --format json > ${shellWord(out)}`;
    const result = await run('sh', ['-c', command], { cwd: repoRoot });
    expect(result.code).toBe(1);
    const body = JSON.parse(readFileSync(out, 'utf8')) as { summary: unknown };
    expect(body.summary).toEqual({ errors: 1, warnings: 1 });
  });
});
