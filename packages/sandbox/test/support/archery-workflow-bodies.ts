/** Bodies of the Archery workflow calls the tests make, valid against the seed. */

/**
 * A valid SQL work order submission (`POST /api/v1/workflow/`) to the seed's A18 group on
 * instance `acc`; `overrides` replace fields of its `workflow`.
 */
export const archeryWorkOrder = (
  overrides: Record<string, unknown> = {},
  sql = 'ALTER TABLE t ADD COLUMN c INT;',
) => ({
  workflow: {
    workflow_name: 'REL-1 upgrade',
    group_id: 1,
    instance: 1,
    db_name: 'acc',
    is_offline_export: 0,
    ...overrides,
  },
  sql_content: sql,
});

/** An audit of SQL work order `workflowId` (`POST /api/v1/workflow/audit/`): `pass` or `cancel`. */
export const archeryAudit = (workflowId: number, engineer: string, auditType: string) => ({
  engineer,
  workflow_id: workflowId,
  audit_remark: 'checked',
  workflow_type: 2,
  audit_type: auditType,
});
