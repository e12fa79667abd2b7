/**
 * Child-process entry of the simulators (Jira, Archery, CMDB, Apollo: @cdflow/sandbox's startSandbox),
 * so that their CPU is not counted in cdflow's: the server process talks to them over loopback as it
 * would to real upstreams. IPC commands ({ id, cmd, arg } → { id, value | error }):
 *   start            → { urls, credentials } (what the server's config needs)
 *   counters         → calls per route, `{ "jira POST /rest/api/2/issue": n, … }`
 *   registerWebhook  arg { url, secret, balance? }: Jira's webhook to the cdflow server (replicas: one
 *                    per replica, one `balance` name: each delivery goes to one of them at random)
 *   flush            waits until every Jira webhook sent so far has been answered
 *   cpu, stop
 */
import { startSandbox } from '@cdflow/sandbox';
import { answerParentCommands } from './parent-commands.js';

const options = JSON.parse(process.argv[2] ?? '{}');
const names = ['jira', 'archery', 'cmdb', 'apollo'];
let sandbox = null;

function counters() {
  const all = {};
  for (const name of names) {
    for (const [route, n] of Object.entries(sandbox[name].counters.snapshot())) all[`${name} ${route}`] = n;
  }
  return all;
}

async function handle(cmd, arg) {
  switch (cmd) {
    case 'start':
      sandbox = await startSandbox({ host: '127.0.0.1', ...options });
      return { urls: sandbox.urls, credentials: sandbox.credentials };
    case 'counters':
      return counters();
    case 'registerWebhook':
      sandbox.jira.registerWebhook({
        url: arg.url,
        secret: arg.secret,
        ...(arg.balance ? { balance: arg.balance } : {}),
      });
      return true;
    case 'flush':
      await sandbox.jira.flushWebhooks();
      return true;
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      return { ms: (user + system) / 1000 };
    }
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

answerParentCommands(handle, () => sandbox?.close());
