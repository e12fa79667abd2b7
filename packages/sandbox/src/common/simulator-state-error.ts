import { SimulatorError } from './simulator-error.js';

/** A saved simulator state that cannot be continued from: the field that is wrong and what was expected. */
export class SimulatorStateError extends SimulatorError<'SIMULATOR_STATE_INVALID'> {
  constructor(
    readonly simulator: string,
    readonly field: string,
    expected: string,
  ) {
    super(
      'SIMULATOR_STATE_INVALID',
      `${simulator} simulator state: ${field} must be ${expected}. Pass what snapshotState() returned, unchanged.`,
    );
  }
}

/** What a field of a saved state must be, by the name of the `StateReader` check. */
export type StateFieldKind = 'record' | 'array' | 'integer' | 'string';

/** Small checks for reading a saved state (`unknown` at the edge, validated before use). */
export class StateReader {
  constructor(private readonly simulator: string) {}

  record(value: unknown, field: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new SimulatorStateError(this.simulator, field, 'an object');
    }
    return value as Record<string, unknown>;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) throw new SimulatorStateError(this.simulator, field, 'an array');
    return value;
  }

  integer(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new SimulatorStateError(this.simulator, field, 'an integer');
    }
    return value;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string') throw new SimulatorStateError(this.simulator, field, 'a string');
    return value;
  }

  /** An object whose fields are of these kinds, checked in the order given (`field` names the object). */
  fields(value: unknown, field: string, kinds: Record<string, StateFieldKind>): Record<string, unknown> {
    const record = this.record(value, field);
    for (const [name, kind] of Object.entries(kinds)) this[kind](record[name], `${field}.${name}`);
    return record;
  }

  /** An object every field of which is of one kind, such as a map of counters. */
  recordOf(value: unknown, field: string, kind: StateFieldKind): Record<string, unknown> {
    const record = this.record(value, field);
    for (const [name, item] of Object.entries(record)) this[kind](item, `${field}.${name}`);
    return record;
  }

  /** The saved state itself: an object of the `supported` version of this simulator's format. */
  state(raw: unknown, supported: number): Record<string, unknown> {
    const state = this.record(raw, 'state');
    if (state.version !== supported) {
      throw new SimulatorStateError(this.simulator, 'version', `${supported} (this simulator's format)`);
    }
    return state;
  }
}
