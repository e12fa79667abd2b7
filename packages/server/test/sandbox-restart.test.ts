/**
 * Sandbox mode across restarts, through the real start path (main.ts → startServer → sandbox mode) as a
 * child process: the simulators are saved beside the database and continued, so Jira keys stay unique and
 * an old release still moves; when the saved state cannot carry the database, the sandbox starts on a
 * fresh database and says so — never two releases with one key.
 */
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cdflowClient } from './support/cdflow-client.js';
import { freePort } from './support/child-server.js';
import { tokens, writeConfigFile } from './support/e2e-harness.js';
import {
  buildServer,
  killSandboxProcesses,
  type SandboxProcess,
  startSandboxProcess,
} from './support/sandbox-process.js';

const dirs: string[] = [];
beforeAll(() => buildServer(), 120_000);
afterEach(async () => {
  await killSandboxProcesses();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function sandboxDir() {
  const dir = mkdtempSync(join(tmpdir(), 'cdflow-sandbox-restart-'));
  dirs.push(dir);
  const ports = { cdflow: await freePort(), control: await freePort() };
  const env = {
    CDFLOW_DB: join(dir, 'cdflow.sqlite'),
    CDFLOW_CONFIG: writeConfigFile(dir),
    CDFLOW_INTAKE_TOKEN: tokens.intake,
    CDFLOW_OPERATOR_TOKEN: tokens.operator,
    CDFLOW_WEBHOOK_SECRET: tokens.webhook,
  };
  return { dir, start: () => startSandboxProcess(env, ports), stateFile: join(dir, 'cdflow.sandbox.json') };
}

const control = async (server: SandboxProcess, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server.controlUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens.operator}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
};

const release = (summary: string) => ({
  project: 'A18',
  summary,
  env: 'UAT',
  issue_type: '升级',
  upgrade_type: '日常版本需求',
  function_list: ['【A18】重启后的发布'],
  sql_info: [],
  apollo_info: [],
  config_info: [{ name: 'nginx/a18-console.conf', content: 'gzip on;' }],
  code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1503', tag: '' }],
});

const keysOf = async (url: string) => {
  const list = await cdflowClient(url).call('GET', '/api/releases', tokens.operator);
  return (list.body.items as Array<{ key: string | null }>).map((r) => r.key);
};

describe('sandbox mode across a restart', () => {
  it('keeps Jira keys unique and an old release moves on after the restart', async () => {
    const sandbox = await sandboxDir();
    const first = await sandbox.start();
    // The first start posts the sample release and the banner names its real key and how to follow it.
    expect(first.output()).toContain('The sample release AC-1 ');
    expect(first.output()).toContain(`${first.controlUrl}/releases/AC-1`);
    expect(first.output()).toContain('/api/releases/AC-1/history');
    expect(first.output()).not.toContain('<key>');
    expect(first.output()).toContain('ops1     ops1-sandbox-password');
    const client = cdflowClient(first.url);
    await client.waitFor(
      'AC-1',
      (r) => r.state === 'configExecuting' && r.step === 'configExecuting.awaitingConfirmation',
      'waiting for ops',
    );
    // The terminal tells the story; the request logs went to the log file.
    await first.waitForOutput(
      /AC-1 {2}→ configExecuting\.awaitingConfirmation \(Jira CONFIG执行中\): waits for ops: .*CONFIG_CONFIRMED/,
    );
    expect(first.output()).not.toContain('incoming request');
    expect(await first.stop()).toBe(0);
    expect(first.output()).toContain('cdflow stopped cleanly (state saved)');
    expect(readFileSync(join(sandbox.dir, 'cdflow.log'), 'utf8')).toContain('incoming request');
    expect(existsSync(sandbox.stateFile)).toBe(true);

    const second = await sandbox.start();
    expect(second.output()).not.toContain('NOTICE');
    expect(second.output()).toContain('1 release(s) in this sandbox; the latest is AC-1');
    // A new release gets the next key, not AC-1 again.
    const posted = await cdflowClient(second.url).intake(release('【A18】【升级】after_restart_01'));
    expect(posted.status).toBe(201);
    expect(posted.body.key).toBe('AC-2');
    expect(await keysOf(second.url)).toEqual(['AC-2', 'AC-1']);

    // The old release's Jira issue and Archery orders exist again, and it still moves: ops confirms in Jira.
    const orders = await control(second, 'GET', '/archery/orders?release=AC-1');
    expect(orders.json().orders).toEqual([
      expect.objectContaining({ status: 'workflow_finish' }),
      expect.objectContaining({ status: 'workflow_finish' }),
    ]);
    const confirmed = await control(second, 'POST', '/ops/releases/AC-1/confirm');
    expect(confirmed.status).toBe(200);
    expect(confirmed.json()).toMatchObject({ key: 'AC-1', status: 'CODE执行中' });
    const done = await cdflowClient(second.url).waitFor(
      'AC-1',
      (r) => r.state === 'uatComplete',
      'uatComplete',
    );
    expect(done.jiraStatus).toBe('UAT升级完成');
    expect(await second.stop()).toBe(0);
  });

  it('starts on a fresh database, and says so, when the saved state cannot carry the releases', async () => {
    const sandbox = await sandboxDir();
    const first = await sandbox.start();
    expect(first.output()).toContain('The sample release AC-1 ');
    // Settled (its SQL executed, waiting for ops): the state saved at the stop holds all of AC-1.
    await cdflowClient(first.url).waitFor(
      'AC-1',
      (r) => r.step === 'configExecuting.awaitingConfirmation',
      'ops',
    );
    expect(await first.stop()).toBe(0);
    const savedBeforeAc2 = join(sandbox.dir, 'saved-before-ac-2.json');
    copyFileSync(sandbox.stateFile, savedBeforeAc2);

    const second = await sandbox.start();
    expect((await cdflowClient(second.url).intake(release('【A18】【升级】second_run_01'))).body.key).toBe(
      'AC-2',
    );
    expect(await second.stop()).toBe(0);

    // The state is older than the database (as after a crash between two saves): AC-2's issue is not in it.
    copyFileSync(savedBeforeAc2, sandbox.stateFile);
    const third = await sandbox.start();
    expect(third.output()).toMatch(
      /NOTICE: The sandbox's saved simulators .* was saved before 1 release of the database got their Jira issue or Archery order \(AC-2\)/,
    );
    expect(third.output()).toContain('cdflow started on a FRESH database');
    expect(await keysOf(third.url)).toEqual(['AC-1']);
    expect(readdirSync(sandbox.dir).some((f) => /^cdflow\.sqlite\.set-aside-\d{8}T\d{6}Z$/.test(f))).toBe(
      true,
    );
    expect(await third.stop()).toBe(0);

    rmSync(sandbox.stateFile);
    const fourth = await sandbox.start();
    expect(fourth.output()).toMatch(
      /NOTICE: The sandbox's saved simulators \(.*cdflow\.sandbox\.json\) is missing, but the database held 1 release/,
    );
    expect(await keysOf(fourth.url)).toEqual(['AC-1']);
    expect(await fourth.stop()).toBe(0);

    writeFileSync(sandbox.stateFile, '{"version":1,"simulators":');
    const fifth = await sandbox.start();
    expect(fifth.output()).toMatch(/is unreadable \(not valid JSON .*\), but the database held 1 release/);
    expect(await keysOf(fifth.url)).toEqual(['AC-1']);
    expect(await fifth.stop()).toBe(0);
  });
});
