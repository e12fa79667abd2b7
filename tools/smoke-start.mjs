#!/usr/bin/env node
// CI smoke check of the README's start command: `pnpm start` in sandbox mode must come up, print a banner
// naming the sample release it posted at start (its real key, no `<key>` placeholder) and the control API,
// answer /healthz and /readyz, accept a release, and — interrupted as a terminal's Ctrl-C does (SIGINT to
// the whole process group) — shut down cleanly with exit code 0 and no "ELIFECYCLE Command failed".
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

const port = Number(process.env.SMOKE_PORT ?? 18089);
const controlPort = port + 1;
const dir = mkdtempSync(join(tmpdir(), 'cdflow-smoke-'));
const intakeToken = 'smoke-intake-token-0123456789';
const operatorToken = 'smoke-operator-token-0123456789';
// pnpm itself (not `npx pnpm`, whose own shell wrapper would stand between the signal and pnpm).
const pnpm = execFileSync('npx', ['--yes', '-p', 'pnpm@10', '-c', 'command -v pnpm'], {
  encoding: 'utf8',
}).trim();
const child = spawn(pnpm, ['start'], {
  env: {
    ...process.env,
    // As `npx --yes pnpm@10 start` has it: pnpm on the PATH, for the script's own `pnpm build`.
    PATH: `${dirname(pnpm)}${delimiter}${process.env.PATH ?? ''}`,
    CDFLOW_PORT: String(port),
    CDFLOW_SANDBOX_CONTROL_PORT: String(controlPort),
    CDFLOW_DB: join(dir, 'cdflow.sqlite'),
    CDFLOW_INTAKE_TOKEN: intakeToken,
    CDFLOW_OPERATOR_TOKEN: operatorToken,
    CDFLOW_SANDBOX: '1',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
  // Its own process group, so the interrupt reaches pnpm and the server together, as in a terminal.
  detached: true,
});
let output = '';
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

const base = `http://127.0.0.1:${port}`;
const control = `http://127.0.0.1:${controlPort}`;
const fail = (why) => {
  console.error(`smoke-start: ${why}\n--- server output ---\n${output.slice(-4000)}`);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {}
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
};

const deadline = Date.now() + 90_000;
for (;;) {
  if (child.exitCode !== null) fail(`the server exited with ${child.exitCode} before answering`);
  try {
    const res = await fetch(`${base}/readyz`);
    if (res.status === 200 && /cdflow started/.test(output)) break;
  } catch {}
  if (Date.now() > deadline) fail('no ready answer and banner within 90 s');
  await new Promise((r) => setTimeout(r, 250));
}
if (!/sandbox mode/i.test(output)) fail('the banner does not say plainly that it runs in sandbox mode');
if (!output.includes('curl ')) fail('the start banner has no curl line to post a release');
if (output.includes('<key>')) fail('the banner still has a literal <key> placeholder');
const sample = /The sample release ([A-Z]+-\d+) /.exec(output)?.[1];
if (!sample) fail('the banner does not name the sample release it posted at start');
if (!output.includes(`${control}/releases/${sample}`))
  fail('the banner gives no one-line way to follow the sample');

const story = await fetch(`${control}/releases/${sample}`, {
  headers: { authorization: `Bearer ${operatorToken}` },
});
if (story.status !== 200) fail(`the control API answered ${story.status} for the sample release`);

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
console.log(`smoke-start: ready, sample ${sample}, intake 201 → ${body.key} in ${body.state}`);

process.kill(-child.pid, 'SIGINT');
const { code, signal } = await exited;
if (code !== 0) fail(`an interrupted clean shutdown exited with ${code ?? signal}`);
if (output.includes('ELIFECYCLE')) fail('pnpm reported the clean stop as a failure (ELIFECYCLE)');
if (!output.includes('stopped cleanly')) fail('the server did not say it stopped cleanly');
rmSync(dir, { recursive: true, force: true });
console.log('smoke-start: Ctrl-C → graceful shutdown, exit code 0');
