/** The JSON Archery answers, as far as cdflow reads it (field names are Archery's). */

export interface ArcheryPage<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface ArcheryTokenPair {
  access: string;
  refresh: string;
}

export interface ArcheryResourceGroupWire {
  group_id: number;
  group_name: string;
  is_deleted?: number;
}

export interface ArcheryInstanceWire {
  id: number;
  instance_name: string;
  db_type: string;
  host: string;
  port?: number;
  /** The connection's default database (usually ""), not the list of databases. */
  db_name?: string;
  /** Resource group ids the instance is linked to. */
  resource_group?: unknown[];
}

/** `POST /api/v1/instance/resource/`: the instance's databases (or a database's tables). */
export interface ArcheryInstanceResourceWire {
  count: number;
  result: unknown[];
}

export interface ArcheryWorkflowWire {
  id: number;
  workflow_name: string;
  demand_url: string;
  group_id: number;
  group_name: string;
  db_name: string;
  syntax_type: number;
  is_backup: boolean;
  engineer: string;
  engineer_display: string;
  status: string;
  audit_auth_groups: string;
  run_date_start: string | null;
  run_date_end: string | null;
  create_time: string;
  finish_time: string | null;
  is_manual: number;
  instance: number;
}

/** One row of `/api/v1/workflow/`: `id` is the content row, `workflow_id` the work order. */
export interface ArcheryWorkflowContentWire {
  id: number;
  workflow_id: number;
  workflow: ArcheryWorkflowWire;
  sql_content: string;
  /** JSON text of review rows. */
  review_content: string;
  /** JSON text of execution rows, or "" before execution. */
  execute_result: string;
}

export interface ArcheryCheckRowWire {
  id: number;
  stage: string;
  errlevel: number;
  stagestatus: string;
  errormessage: string;
  sql: string;
  affected_rows: number;
}

export interface ArcherySqlCheckWire {
  is_execute: boolean;
  warning_count: number;
  error_count: number;
  is_critical: boolean;
  syntax_type: number;
  rows: ArcheryCheckRowWire[];
}
