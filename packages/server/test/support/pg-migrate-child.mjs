/**
 * A cdflow replica's start, as far as the store goes, in a process of its own (the built server, as the
 * crash tests run it): load everything, say `ready`, wait for `go` on stdin (so that two of them open the
 * store at the same instant), open the store at argv[2] (which applies the migrations), close it and
 * say `opened`.
 */
import { createInterface } from 'node:readline';
import { openReleaseStore } from '../../dist/store/open-release-store.js';

const db = process.argv[2];
if (!db) throw new Error('usage: pg-migrate-child.mjs <CDFLOW_DB>');
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== 'go') continue;
  const store = await openReleaseStore(db);
  await store.close();
  process.stdout.write('opened\n');
  break;
}
lines.close();
