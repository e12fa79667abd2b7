/** Reading back the Apollo simulator's saved state (`snapshotState()`) before continuing from it. */
import { StateReader } from '../common/simulator-state-error.js';
import type { ApolloSimState } from './apollo-simulator.js';

export function parseApolloSimState(raw: unknown): ApolloSimState {
  const read = new StateReader('Apollo');
  const state = read.state(raw, 1);
  read.array(state.namespaces, 'namespaces').forEach((raw, i) => {
    const ns = read.record(raw, `namespaces[${i}]`);
    const ref = read.record(ns.ref, `namespaces[${i}].ref`);
    for (const f of ['env', 'appId', 'cluster', 'namespace'] as const)
      read.string(ref[f], `namespaces[${i}].ref.${f}`);
    read.array(ns.items, `namespaces[${i}].items`).forEach((item, j) => {
      const it = read.record(item, `namespaces[${i}].items[${j}]`);
      read.string(it.key, `namespaces[${i}].items[${j}].key`);
      read.string(it.value, `namespaces[${i}].items[${j}].value`);
    });
  });
  read.array(state.users, 'users').forEach((u, i) => {
    read.string(u, `users[${i}]`);
  });
  read.array(state.releases, 'releases').forEach((r, i) => {
    const release = read.record(r, `releases[${i}]`);
    read.integer(release.id, `releases[${i}].id`);
    read.record(release.configurations, `releases[${i}].configurations`);
  });
  read.integer(state.nextReleaseId, 'nextReleaseId');
  return state as unknown as ApolloSimState;
}
