/** What cdflow needs from Archery's SQL work orders; `@cdflow/adapters` implements it. */
import type { ArcheryStatus } from '../release-types.js';

export interface ArcheryWorkOrderRef {
  workflowId: number;
  workflowName: string;
  status: ArcheryStatus;
  dbName: string;
  sqlContent: string;
  /** Readable reason from `execute_result`/`review_content` when the order failed. */
  error: string | null;
}

export interface ArcheryPort {
  /** Orders whose name is exactly `workflowName` (Archery filters icontains; the port narrows). */
  findWorkOrders(workflowName: string): Promise<ArcheryWorkOrderRef[]>;
  submitWorkOrder(input: {
    workflowName: string;
    groupName: string;
    instanceName: string;
    dbName: string;
    sql: string;
  }): Promise<ArcheryWorkOrderRef>;
  getWorkOrder(workflowId: number): Promise<ArcheryWorkOrderRef>;
  /** Pass every remaining audit level as the service user (mode auto). */
  auditPass(workflowId: number, remark: string): Promise<void>;
  /** Execute an order in `workflow_review_pass` (mode auto). */
  execute(workflowId: number, mode: 'auto' | 'manual'): Promise<void>;
}
