/**
 * One release from intake to uatComplete through core's `decide`, recorded: the benchmark fixture of
 * the core and scale suites. Request: the server's sample release (2 SQL orders, an Apollo key applied
 * by a person, a config file, 2 services), manual SQL mode, every event accepted.
 */
import {
  decide,
  defaultReleaseSettings,
  normalizeReleaseRequest,
  startRelease,
  validateReleaseRequest,
} from '@cdflow/core';
import { sampleReleaseRequest } from '@cdflow/server';

export class WalkError extends Error {
  code = 'BENCH_WALK';
}

export function recordReleaseWalk({ releaseId, summary, issueKey }) {
  const checked = validateReleaseRequest(sampleReleaseRequest(summary));
  if (!checked.ok) throw new WalkError(`the benchmark request is invalid: ${JSON.stringify(checked.errors)}`);
  const request = normalizeReleaseRequest(checked.value);
  const services = request.code.map((c) => c.svnPath);
  const events = [
    { type: 'ISSUE_READY', issueKey, created: true },
    { type: 'POLICY_CHECKED', findings: [] },
    ...request.sql.map((s, i) => ({
      type: 'SQL_ORDER_SUBMITTED',
      sqlId: s.sqlId,
      workflowId: 501 + i,
      status: 'workflow_manreviewing',
    })),
    { type: 'SQL_CONFIRMED', by: 'dba' },
    { type: 'CONFIG_CONFIRMED', by: 'ops' },
    ...services.map((service, i) => ({ type: 'DEPLOY_STARTED', service, attempt: 1, taskId: `task-${i}` })),
    { type: 'TIMER_FIRED', timer: 'cmdb.poll' },
    {
      type: 'DEPLOY_TASKS_POLLED',
      tasks: services.map((service) => ({ service, attempt: 1, status: 'success', message: null })),
    },
  ];
  const start = startRelease({ releaseId, request, settings: { ...defaultReleaseSettings } });
  const steps = [];
  let current = start;
  for (const event of events) {
    const decision = decide(current.next, event);
    // Only accepted events are transitions; a refused one would measure the refusal path.
    if (!decision.accepted) {
      throw new WalkError(`${event.type} was refused in ${current.state}: ${decision.refusal?.message}`);
    }
    steps.push({ before: current, event, decision });
    current = decision;
  }
  if (current.state !== 'uatComplete')
    throw new WalkError(`the walk ends in ${current.state}, not uatComplete`);
  return { request, start, steps, final: current };
}
