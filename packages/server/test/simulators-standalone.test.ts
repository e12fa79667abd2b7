/**
 * `pnpm simulators` as a person uses it: the simulators in one process printing the environment, a cdflow
 * (not in sandbox mode) started with exactly that environment in another, a release posted to it runs
 * through the standalone Jira, SVN and Archery, and Ctrl-C stops the simulators cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleReleaseRequest } from '../src/sandbox-mode.js';
import { ensureServerBuilt, freePort, killAllChildren, startChildServer } from './support/child-server.js';

const simulatorsMain = fileURLToPath(new URL('../../sandbox/dist/simulators-main.js', import.meta.url));
const cleanups: Array<() => void> = [];

afterEach(async () => {
  await killAllChildren();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

interface Simulators {
  child: ChildProcess;
  environment: Record<string, string>;
  output(): string;
}

/** Starts the simulators' script and resolves with the `export` lines it printed once it says ready. */
function startSimulators(args: string[]): Promise<Simulators> {
  const child = spawn(process.execPath, [simulatorsMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => child.kill('SIGKILL'));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulators not ready in 20 s:\n${output}`)), 20_000);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code) => reject(new Error(`simulators exited with ${code}:\n${output}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!output.includes('# simulators ready')) return;
      clearTimeout(timer);
      const environment = Object.fromEntries(
        [...output.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
      );
      resolve({ child, environment, output: () => output });
    });
  });
}

describe('pnpm simulators: the simulators on their own, for a cdflow outside sandbox mode', () => {
  it('prints the environment a cdflow starts with, and a release posted to that cdflow runs through them', async () => {
    ensureServerBuilt();
    const port = await freePort();
    const secret = 'standalone-webhook-secret-0123';
    const sims = await startSimulators([
      '--webhook',
      `http://127.0.0.1:${port}/cicdflow/jira/`,
      '--secret',
      secret,
    ]);
    expect(Object.keys(sims.environment).sort()).toEqual(
      [
        'APOLLO_BASE_URL',
        'APOLLO_TOKEN',
        'ARCHERY_BASE_URL',
        'ARCHERY_PASSWORD',
        'ARCHERY_USER',
        'CMDB_BASE_URL',
        'CMDB_TOKEN',
        'JIRA_BASE_URL',
        'JIRA_TOKEN',
        'SVN_BASE_URL',
        'SVN_PASSWORD',
        'SVN_USER',
      ].sort(),
    );

    const dir = mkdtempSync(join(tmpdir(), 'cdflow-standalone-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const intakeToken = 'standalone-intake-token-0123';
    const operatorToken = 'standalone-operator-token-0123';
    const server = await startChildServer(
      {
        ...sims.environment,
        CDFLOW_DB: join(dir, 'cdflow.sqlite'),
        CDFLOW_INTAKE_TOKEN: intakeToken,
        CDFLOW_OPERATOR_TOKEN: operatorToken,
        CDFLOW_WEBHOOK_SECRET: secret,
      },
      port,
    );
    expect(server.output()).toContain('"sandbox":false');

    const request = sampleReleaseRequest('【A18】【升级】standalone_simulators_01');
    const posted = await fetch(`${server.url}/cicdflow/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${intakeToken}` },
      body: JSON.stringify(request),
    });
    expect(posted.status).toBe(201);
    const { key } = (await posted.json()) as { key: string };

    // The issue exists in the standalone Jira, and its webhooks reached cdflow: the SQL went to Archery.
    const issue = await fetch(`${sims.environment.JIRA_BASE_URL}/rest/api/2/issue/${key}`, {
      headers: { authorization: `Bearer ${sims.environment.JIRA_TOKEN}` },
    });
    expect(issue.status).toBe(200);
    let state = '';
    for (let i = 0; i < 200 && state !== 'sqlExecuting'; i++) {
      const view = await fetch(`${server.url}/api/releases/${key}`, {
        headers: { authorization: `Bearer ${operatorToken}` },
      });
      state = ((await view.json()) as { state: string }).state;
      if (state !== 'sqlExecuting') await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('sqlExecuting');

    const exited = new Promise<number | null>((resolve) => sims.child.once('exit', (code) => resolve(code)));
    sims.child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('refuses a webhook that is not a URL, naming the option', async () => {
    const child = spawn(process.execPath, [simulatorsMain, '--webhook', 'not a url'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toContain('--webhook: expected an http(s) URL, got "not a url"');
  });
});
