/**
 * One release from intake to uatComplete through core's `decide`, recorded: the benchmark fixture of
 * the core and scale suites. Request: the server's sample release (2 SQL orders read from SVN, an
 * Apollo key applied by a person, a config file, 2 services), manual SQL mode, every event accepted.
 *
 * The walk is not a fixed list of events: it answers the effects `decide` returns, the way a host's
 * effect runner would (and the way core's test driver does), every upstream answering success: the SQL
 * files are read, the routes resolve, Archery's check finds nothing, the orders are submitted, the
 * CMDB finds one target per service, starts a task and reports it done. When no effect is left to
 * answer, a person moves the release on (SQL升级成功, then 配置升级成功). So a change of the machine's
 * stages changes the walk rather than breaking it; if the walk still cannot reach uatComplete, it
 * fails naming the step, the state and what it waited for.
 */
import {
  decide,
  decodeSqlText,
  defaultNormalizeOptions,
  defaultReleaseSettings,
  normalizeReleaseRequest,
  reportedDeploy,
  startRelease,
  storedSqlText,
  validateReleaseRequest,
} from '@cdflow/core';
import { sampleReleaseRequest } from '@cdflow/server';

export class WalkError extends Error {
  code = 'BENCH_WALK';
  /** The steps taken before it failed: `event -> state [effects]`. */
  trail;
  constructor(message, steps = []) {
    super(message);
    this.trail = steps.map(
      (s) => `${s.event.type} -> ${s.decision.state} [${s.decision.effects.map((e) => e.type).join(', ')}]`,
    );
  }
}

/** More steps than this means the walk loops (a release to uatComplete takes a few dozen). */
const maxSteps = 200;

/** A SQL file's text as the SQL source would give it. */
function sqlFileText(ref) {
  const bytes = new TextEncoder().encode(
    `-- ${ref}\nCREATE OR REPLACE VIEW acc_view_store_by_region AS SELECT id, region FROM acc_store;\n`,
  );
  return storedSqlText(decodeSqlText(bytes), 'svn', bytes.length);
}

/**
 * The event the host's runner reports for `effect`, every upstream answering success; null for an
 * effect with no outcome to report (Jira moves and comments, polls that see nothing new).
 */
function answer(effect, { issueKey, nextWorkflowId, taskOf }) {
  switch (effect.type) {
    case 'jira.ensureIssue':
      return { type: 'ISSUE_READY', issueKey, created: true };
    case 'sql.fetch':
      return { type: 'SQL_TEXT_FETCHED', ref: effect.ref, text: sqlFileText(effect.ref) };
    case 'policy.check':
      return { type: 'POLICY_CHECKED', findings: [] };
    case 'archery.resolveRoutes':
      return {
        type: 'SQL_ROUTES_RESOLVED',
        routes: effect.routes.map((r) => ({ sqlId: r.sqlId, dbName: r.dbName ?? r.instance })),
      };
    case 'archery.checkSql':
      return {
        type: 'SQL_CHECKED',
        items: effect.items.map((i) => ({ sqlId: i.sqlId, hash: i.hash, errors: [], warnings: [] })),
      };
    case 'archery.submitOrder':
      return {
        type: 'SQL_ORDER_SUBMITTED',
        sqlId: effect.order.sqlId,
        workflowId: nextWorkflowId(),
        status: 'workflow_manreviewing',
        workflowName: effect.order.workflowName,
        hash: effect.order.hash,
        instance: effect.order.instance,
        dbName: effect.order.dbName,
      };
    case 'archery.readOrders':
      return {
        type: 'SQL_CONFIRMATION_CHECKED',
        orders: effect.workflowIds.map((workflowId) => ({
          workflowId,
          status: 'workflow_finish',
          error: null,
        })),
      };
    case 'apollo.apply':
      return { type: 'CONFIG_APPLIED' };
    case 'cmdb.findTargets':
      return {
        type: 'DEPLOY_TARGETS_FOUND',
        service: effect.service,
        targets: [{ id: 12, name: `UAT_${effect.service}` }],
      };
    case 'cmdb.deploy':
      return {
        type: 'DEPLOYS_REPORTED',
        deploys: effect.deploys.map((d) => ({ ...reportedDeploy(d), outcome: 'started', taskId: taskOf(d) })),
      };
    case 'cmdb.pollTasks':
      return {
        type: 'DEPLOY_TASKS_POLLED',
        tasks: effect.tasks.map(({ service, targetId, attempt }) => ({
          service,
          targetId,
          attempt,
          status: 'success',
          message: null,
        })),
      };
    default:
      // jira.updateFields/moveTo/comment/showOrders, archery.pollOrders (manual mode: the orders stay
      // under review until the person's confirmation): nothing to report. Timers are the clock's (the walk's loop).
      return null;
  }
}

/** What a person does when the release waits for nobody but them, by state; null: nobody. */
function personMove(state) {
  if (state.startsWith('sqlExecuting')) return { type: 'SQL_CONFIRMED', by: 'dba' };
  if (state.startsWith('configExecuting')) return { type: 'CONFIG_CONFIRMED', by: 'ops' };
  return null;
}

export function recordReleaseWalk({ releaseId, summary, issueKey }) {
  const checked = validateReleaseRequest(sampleReleaseRequest(summary));
  if (!checked.ok) throw new WalkError(`the benchmark request is invalid: ${JSON.stringify(checked.errors)}`);
  // The SQL files are read from SVN (sql.fetch effects), as the sandbox's server reads them.
  const request = normalizeReleaseRequest(checked.value, { ...defaultNormalizeOptions, sqlSource: 'svn' });
  const start = startRelease({ releaseId, request, settings: { ...defaultReleaseSettings } });
  let workflowId = 500;
  const tasks = new Map();
  const answers = {
    issueKey,
    nextWorkflowId: () => ++workflowId,
    taskOf: (d) => {
      const key = `${d.service}@${d.target.id}#${d.attempt}`;
      if (!tasks.has(key)) tasks.set(key, `task-${tasks.size}`);
      return tasks.get(key);
    },
  };
  const steps = [];
  // Effects decided and not answered yet, oldest first: a runner's queue.
  const pending = [];
  // Timers scheduled and not cancelled or fired: name → delay (ms).
  const timers = new Map();
  const queue = (effects) => {
    for (const effect of effects) {
      if (effect.type === 'timer.schedule') timers.set(effect.timer, effect.delayMs);
      else if (effect.type === 'timer.cancel') timers.delete(effect.timer);
      else pending.push(effect);
    }
  };
  queue(start.effects);
  let current = start;
  while (current.state !== 'uatComplete') {
    if (steps.length >= maxSteps) {
      throw new WalkError(
        `the walk took ${maxSteps} steps without reaching uatComplete (in ${current.state})`,
        steps,
      );
    }
    let event = null;
    let from = 'a person';
    while (event === null && pending.length > 0) {
      const effect = pending.shift();
      event = answer(effect, answers);
      from = effect.type;
    }
    event ??= personMove(current.state);
    if (event === null && timers.size > 0) {
      // Nothing else moves the release: the clock does, the live timer due first fires.
      const [timer] = [...timers].sort((a, b) => a[1] - b[1])[0];
      timers.delete(timer);
      event = { type: 'TIMER_FIRED', timer };
      from = `timer ${timer}`;
    }
    if (event === null) {
      throw new WalkError(
        `step ${steps.length + 1}: the walk is stuck in ${current.state}, no effect to answer and no person's move (the machine changed: see bench/lib/release-walk.js)`,
        steps,
      );
    }
    const decision = decide(current.next, event);
    // Only accepted events are transitions; a refused one would measure the refusal path.
    if (!decision.accepted) {
      throw new WalkError(
        `step ${steps.length + 1}: ${event.type} (answering ${from}) was refused in ${current.state}: ${decision.refusal?.message} (accepted: ${decision.refusal?.acceptedEvents.join(', ')})`,
        steps,
      );
    }
    steps.push({ before: current, event, decision });
    queue(decision.effects);
    current = decision;
  }
  return { request, start, steps, final: current };
}
