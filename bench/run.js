/**
 * `pnpm bench` (after `tsc -b`): runs the benchmark suites, prints their tables with the machine, and
 * writes bench/results/latest.json and latest.md.
 *   node bench/run.js                 all suites
 *   node bench/run.js --only core     one suite (http | core | scale | e2e; comma-separated for several)
 *   node bench/run.js --quick         shorter loads and 10k instead of 100k releases (a smoke run)
 *   node bench/run.js --no-write      print only; keep the committed results as they are
 *   node bench/run.js --no-postgres   e2e on SQLite only (skips its PostgreSQL columns)
 *   node bench/run.js --keep          keep the temporary directory (the stores' files) and print it
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineInfo } from './lib/machine.js';
import { machineLine, renderMarkdown, renderText } from './lib/report.js';
import { runClient } from './suites/client.js';
import { runCore } from './suites/core.js';
import { runE2e } from './suites/e2e.js';
import { runHttp } from './suites/http.js';
import { runScale } from './suites/scale.js';

const suites = { http: runHttp, core: runCore, scale: runScale, e2e: runE2e, client: runClient };

class UsageError extends Error {
  code = 'BENCH_USAGE';
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      'no-postgres': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const selected = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(suites);
  const unknown = selected.filter((s) => !(s in suites));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown suite ${unknown.join(', ')}: choose among ${Object.keys(suites).join(', ')}`,
    );
  }
  return {
    selected,
    quick: values.quick,
    write: !values['no-write'],
    postgres: !values['no-postgres'],
    keep: values.keep,
  };
}

async function main() {
  const options = parseOptions();
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  const began = performance.now();
  process.stdout.write(`cdflow benchmarks on ${machineLine(machine)}\n`);
  if (options.quick) process.stdout.write('quick mode: shorter loads, smaller scale (not for comparison)\n');
  const tmp = mkdtempSync(join(tmpdir(), 'cdflow-bench-'));
  const done = [];
  const failures = [];
  try {
    for (const id of options.selected) {
      process.stdout.write(`\nrunning ${id} …\n`);
      const t0 = performance.now();
      try {
        const result = await suites[id]({
          tmp,
          quick: options.quick,
          postgres: options.postgres,
          log: (l) => process.stdout.write(`  ${l}\n`),
        });
        result.seconds = Math.round((performance.now() - t0) / 100) / 10;
        done.push(result);
        process.stdout.write(`${renderText(result)}\n  (${result.seconds} s)\n`);
      } catch (error) {
        failures.push({ id, error: error instanceof Error ? error.message : String(error) });
        process.stderr.write(`${id} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      }
    }
  } finally {
    if (options.keep) process.stdout.write(`\nkept ${tmp}\n`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  const run = {
    startedAt,
    seconds: Math.round((performance.now() - began) / 100) / 10,
    quick: options.quick,
    machine,
    suites: done,
    failures,
  };
  if (options.write) {
    const dir = new URL('./results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL('latest.json', dir), `${JSON.stringify(run, null, 2)}\n`);
    writeFileSync(new URL('latest.md', dir), renderMarkdown(run));
    process.stdout.write('\nwrote bench/results/latest.json and bench/results/latest.md\n');
  }
  process.stdout.write(`total ${run.seconds} s\n`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
