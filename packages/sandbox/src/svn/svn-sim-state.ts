/** The SVN simulator's saved state (`snapshotState()`), and reading one back before continuing. */
import { SimulatorStateError, StateReader } from '../common/simulator-state-error.js';
import type { SvnRepositorySnapshot } from './svn-repository.js';

export interface SvnSimState extends SvnRepositorySnapshot {
  version: 1;
}

const actions = new Set(['A', 'M', 'D']);

export function parseSvnSimState(raw: unknown): SvnSimState {
  const read = new StateReader('SVN');
  const state = read.state(raw, 1);
  const youngest = read.integer(state.youngest, 'youngest');
  read.array(state.files, 'files').forEach((f, i) => {
    const file = read.record(f, `files[${i}]`);
    read.string(file.path, `files[${i}].path`);
    read.array(file.history, `files[${i}].history`).forEach((e, j) => {
      const entry = read.record(e, `files[${i}].history[${j}]`);
      const revision = read.integer(entry.revision, `files[${i}].history[${j}].revision`);
      if (revision > youngest) {
        throw new SimulatorStateError(
          'SVN',
          `files[${i}].history[${j}].revision`,
          `at most youngest (${youngest})`,
        );
      }
      if (entry.bytes !== null) read.string(entry.bytes, `files[${i}].history[${j}].bytes`);
      if (entry.mimeType !== undefined) read.string(entry.mimeType, `files[${i}].history[${j}].mimeType`);
    });
  });
  read.array(state.log, 'log').forEach((l, i) => {
    const entry = read.record(l, `log[${i}]`);
    read.integer(entry.revision, `log[${i}].revision`);
    read.string(entry.author, `log[${i}].author`);
    read.string(entry.message, `log[${i}].message`);
    if (Number.isNaN(Date.parse(read.string(entry.date, `log[${i}].date`)))) {
      throw new SimulatorStateError('SVN', `log[${i}].date`, 'an ISO 8601 date');
    }
    read.array(entry.changed, `log[${i}].changed`).forEach((c, j) => {
      const change = read.record(c, `log[${i}].changed[${j}]`);
      if (!actions.has(read.string(change.action, `log[${i}].changed[${j}].action`))) {
        throw new SimulatorStateError('SVN', `log[${i}].changed[${j}].action`, 'A, M or D');
      }
      read.string(change.path, `log[${i}].changed[${j}].path`);
    });
  });
  return state as unknown as SvnSimState;
}
