/**
 * `pnpm simulators`: the simulators on their own, for a cdflow that does not run them itself — a cdflow
 * on PostgreSQL, several replicas, or a server under a debugger. Prints the environment such a cdflow
 * needs (`export NAME=value` lines, ready to `eval` or paste), then serves until SIGINT or SIGTERM.
 *
 *   --webhook <url>   where the simulated Jira sends its webhooks (cdflow's `/cicdflow/jira/`);
 *                     repeat it for several replicas behind no balancer. Default
 *                     http://127.0.0.1:8080/cicdflow/jira/ (cdflow's default port).
 *   --secret <text>   the webhook secret (CDFLOW_WEBHOOK_SECRET of that cdflow); default none.
 *   --host <address>  the interface the simulators listen on; default 127.0.0.1.
 *
 * The printed credentials are the simulators' own, generated for this run: they open nothing else.
 */
import { parseArgs } from 'node:util';
import { startSandbox } from './start-sandbox.js';

const usage =
  'usage: pnpm simulators [--webhook <cdflow url>/cicdflow/jira/]… [--secret <webhook secret>] [--host <address>]';

function fail(message: string): never {
  process.stderr.write(`simulators: ${message}\n${usage}\n`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      options: {
        webhook: { type: 'string', multiple: true },
        secret: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean' },
      },
      allowPositionals: false,
    }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

/** A shell word: the value in single quotes, any single quote closed, escaped and reopened. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

async function main(): Promise<void> {
  const args = parse();
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const webhooks = args.webhook ?? ['http://127.0.0.1:8080/cicdflow/jira/'];
  for (const hook of webhooks) {
    if (!URL.canParse(hook)) fail(`--webhook: expected an http(s) URL, got ${JSON.stringify(hook)}`);
  }
  const sandbox = await startSandbox(args.host === undefined ? {} : { host: args.host });
  for (const url of webhooks) {
    sandbox.jira.registerWebhook(args.secret === undefined ? { url } : { url, secret: args.secret });
  }
  const { urls, credentials } = sandbox;
  const environment: Array<[string, string]> = [
    ['JIRA_BASE_URL', urls.jira],
    ['JIRA_TOKEN', credentials.jira.token],
    ['ARCHERY_BASE_URL', urls.archery],
    ['ARCHERY_USER', credentials.archery.username],
    ['ARCHERY_PASSWORD', credentials.archery.password],
    ['CMDB_BASE_URL', urls.cmdb],
    ['CMDB_TOKEN', credentials.cmdb.token],
    ['APOLLO_BASE_URL', urls.apollo],
    ['APOLLO_TOKEN', credentials.apollo.token],
    ['SVN_BASE_URL', urls.svn],
    ['SVN_USER', credentials.svn.user],
    ['SVN_PASSWORD', credentials.svn.password],
  ];
  const lines = [
    '# cdflow simulators: Jira, Archery, CMDB (tasks dialect; CMDB_DIALECT=jiracdflow with',
    `#   CMDB_SEARCH_URL=${urls.cmdbSearch} CMDB_UPGRADE_URL=${urls.cmdbUpgrade}), Apollo, SVN.`,
    `# Jira webhooks go to ${webhooks.join(', ')}.`,
    '# Start cdflow (not in sandbox mode) with this environment:',
    ...environment.map(([name, value]) => `export ${name}=${shellWord(value)}`),
    '# simulators ready (Ctrl-C stops them)',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`simulators: ${signal}, stopping\n`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`simulators: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`simulators: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
