/** The CMDB simulator's saved state (`snapshotState()`), and reading one back before continuing. */
import { SimulatorStateError, StateReader } from '../common/simulator-state-error.js';
import type { CmdbDeployRecord, CmdbSimTarget, CmdbSimUpgrade } from './cmdb-simulator.js';

export interface CmdbSimState {
  version: 1;
  /** Every target with the version deployed now. */
  targets: CmdbSimTarget[];
  nextTargetId: number;
  /** Tasks-dialect deploys, with their start time and, once seen ended, their fixed outcome. */
  deploys: CmdbDeployRecord[];
  /** jiracdflow-dialect upgrades answered. */
  upgrades: CmdbSimUpgrade[];
}

const endedStatuses = new Set(['success', 'failed']);

export function parseCmdbSimState(raw: unknown): CmdbSimState {
  const read = new StateReader('CMDB');
  const state = read.state(raw, 1);
  read.array(state.targets, 'targets').forEach((t, i) => {
    const target = read.record(t, `targets[${i}]`);
    read.integer(target.id, `targets[${i}].id`);
    for (const f of ['name', 'env', 'tag', 'svnPath', 'svnUrl', 'version'] as const)
      read.string(target[f], `targets[${i}].${f}`);
  });
  read.integer(state.nextTargetId, 'nextTargetId');
  read.array(state.deploys, 'deploys').forEach((d, i) => {
    const deploy = read.record(d, `deploys[${i}]`);
    read.integer(deploy.targetId, `deploys[${i}].targetId`);
    for (const f of ['svnPath', 'version', 'operator', 'requestId', 'taskId'] as const)
      read.string(deploy[f], `deploys[${i}].${f}`);
    read.integer(deploy.startedAt, `deploys[${i}].startedAt`);
    if (deploy.ended !== undefined) {
      const ended = read.record(deploy.ended, `deploys[${i}].ended`);
      if (!endedStatuses.has(read.string(ended.status, `deploys[${i}].ended.status`))) {
        throw new SimulatorStateError('CMDB', `deploys[${i}].ended.status`, 'success or failed');
      }
      read.string(ended.message, `deploys[${i}].ended.message`);
    }
  });
  read.array(state.upgrades, 'upgrades').forEach((u, i) => {
    const upgrade = read.record(u, `upgrades[${i}]`);
    read.integer(upgrade.targetId, `upgrades[${i}].targetId`);
    for (const f of ['name', 'svnPath', 'version', 'status'] as const)
      read.string(upgrade[f], `upgrades[${i}].${f}`);
    read.integer(upgrade.receivedAt, `upgrades[${i}].receivedAt`);
  });
  return state as unknown as CmdbSimState;
}
