#!/usr/bin/env node
// CI smoke check of the README's start command: `pnpm start` in sandbox mode must come up, answer
// /healthz and /readyz, accept the sample release it advertises, and shut down cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = Number(process.env.SMOKE_PORT ?? 18089);
const dir = mkdtempSync(join(tmpdir(), 'cdflow-smoke-'));
const intakeToken = 'smoke-intake-token-0123456789';
const child = spawn('node', ['packages/server/dist/main.js'], {
  env: {
    ...process.env,
    CDFLOW_PORT: String(port),
    CDFLOW_DB: join(dir, 'cdflow.sqlite'),
    CDFLOW_INTAKE_TOKEN: intakeToken,
    CDFLOW_SANDBOX: '1',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));

const base = `http://127.0.0.1:${port}`;
const fail = (why) => {
  console.error(`smoke-start: ${why}\n--- server output ---\n${output.slice(-4000)}`);
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
};

const deadline = Date.now() + 60_000;
for (;;) {
  if (child.exitCode !== null) fail(`the server exited with ${child.exitCode} before answering`);
  try {
    const res = await fetch(`${base}/readyz`);
    if (res.status === 200) break;
  } catch {}
  if (Date.now() > deadline) fail('no ready answer within 60 s');
  await new Promise((r) => setTimeout(r, 250));
}
if (!/sandbox mode/i.test(output)) fail('the log does not say plainly that it runs in sandbox mode');
if (!output.includes('curl ')) fail('the start banner has no curl line to post a sample release');

const summary = `【A18】【升级】smoke_${Date.now()}`;
const res = await fetch(`${base}/cicdflow/`, {
  method: 'POST',
  headers: { authorization: `Bearer ${intakeToken}`, 'content-type': 'application/json' },
  body: JSON.stringify({
    project: 'A18',
    summary,
    env: 'UAT',
    issue_type: '升级',
    upgrade_type: '日常版本需求',
    function_list: ['smoke'],
    sql_info: [],
    apollo_info: [],
    config_info: [],
    code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1', tag: '' }],
  }),
});
const body = await res.json();
if (res.status !== 201) fail(`intake answered ${res.status}: ${JSON.stringify(body)}`);
console.log(`smoke-start: ready, intake 201 → ${body.key} in ${body.state}`);

child.kill('SIGTERM');
const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
rmSync(dir, { recursive: true, force: true });
if (code !== 0) fail(`graceful shutdown exited with ${code}`);
console.log('smoke-start: graceful shutdown ok');
