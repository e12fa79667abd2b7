/** What cdflow needs from Archery's SQL work orders; `@cdflow/adapters` implements it. */
import type { ArcheryStatus } from '../release-types.js';

export interface ArcheryWorkOrderRef {
  workflowId: number;
  workflowName: string;
  status: ArcheryStatus;
  dbName: string;
  /** Archery's id of the instance the order runs on. */
  instanceId: number;
  sqlContent: string;
  /** Readable reason from `execute_result`/`review_content` when the order failed. */
  error: string | null;
  /** Archery's `finish_time` (naive local time) once the order ended; null before. */
  finishedAt?: string | null;
}

/** What Archery has for one route: its resource group, its instance and the instance's databases. */
export interface ArcheryRouteLookup {
  /** Null when Archery has no resource group of that name. */
  group: { id: number; name: string } | null;
  /** Null when Archery has no instance of that name. */
  instance: {
    id: number;
    name: string;
    /** The instance's own `db_name` (its connection's default database; usually ""). */
    defaultDbName: string;
    /** Resource groups the instance is linked to, when Archery says (null: not in the answer). */
    groupIds: number[] | null;
  } | null;
  /** The instance's databases as Archery reads them from the instance ([] without an instance). */
  databases: string[];
}

/** One row of Archery's own check (goInception): `errlevel` 0 ok, 1 warning, 2 error. */
export interface ArcherySqlCheckRow {
  errlevel: number;
  errorMessage: string;
  /** The statement the row is about (the first row is the `use` of the database). */
  sql: string;
}

/** What Archery's check (`POST /api/v1/workflow/sqlcheck/`) found in some SQL. */
export interface ArcherySqlCheck {
  errorCount: number;
  warningCount: number;
  rows: ArcherySqlCheckRow[];
}

export interface ArcheryPort {
  /** Orders whose name is exactly `workflowName` (Archery filters icontains; the port narrows). */
  findWorkOrders(workflowName: string): Promise<ArcheryWorkOrderRef[]>;
  /** Every order whose name contains `text` (Archery's icontains), oldest first. */
  findWorkOrdersContaining(text: string): Promise<ArcheryWorkOrderRef[]>;
  submitWorkOrder(input: {
    workflowName: string;
    groupName: string;
    instanceName: string;
    dbName: string;
    sql: string;
    /** The Jira issue's browse URL (Archery shows it as the order's 需求链接). */
    demandUrl?: string;
    /** Ask Archery to back up what the SQL changes. */
    isBackup?: boolean;
  }): Promise<ArcheryWorkOrderRef>;
  getWorkOrder(workflowId: number): Promise<ArcheryWorkOrderRef>;
  /** Archery's own review of `sql` in that instance and database, without submitting anything. */
  sqlcheck(input: { instanceName: string; dbName: string; sql: string }): Promise<ArcherySqlCheck>;
  /** Pass every remaining audit level as the service user (mode auto). */
  auditPass(workflowId: number, remark: string): Promise<void>;
  /** Execute an order in `workflow_review_pass` (mode auto). */
  execute(workflowId: number, mode: 'auto' | 'manual'): Promise<void>;
  /** Cancel an order cdflow submitted (`audit_type: cancel`, as its submitter): it ends `workflow_abort`. */
  cancel(workflowId: number, remark: string): Promise<void>;
  /** Archery's resource group and instance of these names, and the instance's databases. */
  lookUpRoute(route: { groupName: string; instanceName: string }): Promise<ArcheryRouteLookup>;
}
