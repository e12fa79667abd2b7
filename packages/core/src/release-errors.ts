/**
 * Errors core throws. Each is a `CdflowError` with a stable `code` from the one vocabulary (hosts answer
 * with its status and `error` string), `details` for that answer, and a message that tells the reader
 * what to do.
 */
import { CdflowError } from './cdflow-error.js';

/** The request names a project the project map does not know. */
export class UnknownProjectError extends CdflowError {
  declare readonly code: 'UNKNOWN_PROJECT';
  readonly project: string;
  readonly knownProjects: string[];

  constructor(project: string, knownProjects: string[]) {
    const message =
      `Unknown project "${project}": known projects are ${knownProjects.join(', ')}. ` +
      'Add it to the project map of the configuration or fix the request.';
    super('UNKNOWN_PROJECT', message, {
      details: { errors: [{ path: '/project', message }], knownProjects },
    });
    this.name = 'UnknownProjectError';
    this.project = project;
    this.knownProjects = knownProjects;
  }
}

/** An SQL item has no Archery instance/db/group and none can be derived from its svn_path. */
export class RoutingError extends CdflowError {
  declare readonly code: 'SQL_ROUTING';
  readonly sqlId: string;

  constructor(sqlId: string, detail: string) {
    const message =
      `Cannot route SQL item "${sqlId}" to Archery: ${detail}. ` +
      'Give instance, db_name and group in the item, or an svn_path like "database_acc/db_a18/acc".';
    super('SQL_ROUTING', message, { details: { errors: [{ path: '/sql_info', message }] } });
    this.name = 'RoutingError';
    this.sqlId = sqlId;
  }
}

/** A request item is unusable under the configured normalisation rules. */
export class InvalidRequestItemError extends CdflowError {
  declare readonly code: 'INVALID_REQUEST_ITEM';
  readonly path: string;

  constructor(path: string, detail: string) {
    const message = `${path}: ${detail}`;
    super('INVALID_REQUEST_ITEM', message, { details: { errors: [{ path, message }] } });
    this.name = 'InvalidRequestItemError';
    this.path = path;
  }
}

/** A persisted snapshot was written by a machine version this build does not know. */
export class MachineVersionError extends CdflowError {
  declare readonly code: 'MACHINE_VERSION';
  readonly found: unknown;
  readonly expected: number;

  constructor(found: unknown, expected: number) {
    super(
      'MACHINE_VERSION',
      `Snapshot of release machine version ${String(found)} cannot be loaded by machine version ${expected}: ` +
        'migrate the snapshot or run the cdflow version that wrote it.',
    );
    this.name = 'MachineVersionError';
    this.found = found;
    this.expected = expected;
  }
}
