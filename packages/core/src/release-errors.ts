/**
 * Errors core throws. Each has a stable `code` (for hosts to map to answers) and a message that tells
 * the reader what to do.
 */

/** The request names a project the project map does not know. */
export class UnknownProjectError extends Error {
  readonly code = 'UNKNOWN_PROJECT';
  readonly project: string;
  readonly knownProjects: string[];

  constructor(project: string, knownProjects: string[]) {
    super(
      `Unknown project "${project}": known projects are ${knownProjects.join(', ')}. ` +
        'Add it to the project map of the configuration or fix the request.',
    );
    this.name = 'UnknownProjectError';
    this.project = project;
    this.knownProjects = knownProjects;
  }
}

/** An SQL item has no Archery instance/db/group and none can be derived from its svn_path. */
export class RoutingError extends Error {
  readonly code = 'SQL_ROUTING';
  readonly sqlId: string;

  constructor(sqlId: string, detail: string) {
    super(
      `Cannot route SQL item "${sqlId}" to Archery: ${detail}. ` +
        'Give instance, db_name and group in the item, or an svn_path like "database_acc/db_a18/acc".',
    );
    this.name = 'RoutingError';
    this.sqlId = sqlId;
  }
}

/** A request item is unusable under the configured normalisation rules. */
export class InvalidRequestItemError extends Error {
  readonly code = 'INVALID_REQUEST_ITEM';
  readonly path: string;

  constructor(path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = 'InvalidRequestItemError';
    this.path = path;
  }
}

/** A persisted snapshot was written by a machine version this build does not know. */
export class MachineVersionError extends Error {
  readonly code = 'MACHINE_VERSION';
  readonly found: unknown;
  readonly expected: number;

  constructor(found: unknown, expected: number) {
    super(
      `Snapshot of release machine version ${String(found)} cannot be loaded by machine version ${expected}: ` +
        'migrate the snapshot or run the cdflow version that wrote it.',
    );
    this.name = 'MachineVersionError';
    this.found = found;
    this.expected = expected;
  }
}
