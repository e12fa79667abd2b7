/**
 * The Archery world the simulator starts with: users, Django permission groups (audit levels), resource
 * groups, instances and the audit flow of each resource group. Exported so tests can start it alone and
 * know the ids.
 */

export type ArcheryPermission =
  | 'sql.sql_submit'
  | 'sql.sql_review'
  | 'sql.sql_execute'
  | 'sql.sql_execute_for_resource_group';

export interface ArcherySeedUser {
  id: number;
  username: string;
  display: string;
  password: string;
  permissions: ArcheryPermission[];
  /** Django auth groups (audit levels) the user belongs to, by id. */
  authGroups: number[];
  /** Resource groups the user belongs to, by name. */
  resourceGroups: string[];
  /** In setting `api_user_whitelist`: may call the reference endpoints (groups, instances, users). */
  apiWhitelisted: boolean;
}

export interface ArcherySeedInstance {
  id: number;
  instanceName: string;
  dbType: string;
  host: string;
  port: number;
  /** Resource groups the instance is linked to, by name. */
  resourceGroups: string[];
  /**
   * The instance's databases (`show databases` less the system ones), as `POST /api/v1/instance/resource/`
   * answers them. A work order or sqlcheck on another database gets goInception's "not existed" error.
   */
  databases: string[];
  /** The instance's own `db_name` field (the default database of its connection); usually empty. */
  dbName?: string;
}

export interface ArcherySeedGroup {
  groupId: number;
  groupName: string;
  /** Audit levels of SQL上线申请 in order, as Django auth group ids; absent = no audit flow configured. */
  auditAuthGroups?: number[];
}

export interface ArcherySeed {
  authGroups: Array<{ id: number; name: string }>;
  groups: ArcherySeedGroup[];
  instances: ArcherySeedInstance[];
  users: ArcherySeedUser[];
}

/** Fake sandbox passwords, obviously not secrets. */
export const archerySandboxPasswords = {
  cdflow: 'cdflow-sandbox-password',
  dba: 'dba-sandbox-password',
  viewer: 'viewer-sandbox-password',
} as const;

const authGroups: ArcherySeed['authGroups'] = [
  { id: 1, name: 'DBA' },
  { id: 2, name: 'Leader' },
];

const groups: ArcherySeedGroup[] = [
  // Two audit levels (Leader then DBA), as the acceptance of the A18 line is configured.
  { groupId: 1, groupName: 'A18', auditAuthGroups: [2, 1] },
  { groupId: 2, groupName: 'A19', auditAuthGroups: [1] },
  { groupId: 3, groupName: 'QC', auditAuthGroups: [1] },
  // A group nobody configured an audit flow for: submitting there fails the way Archery does.
  { groupId: 4, groupName: 'NOFLOW' },
];

/** A service user: in every audit level and every resource group, and allowed on the reference endpoints. */
const serviceUser = (
  id: number,
  username: 'cdflow' | 'dba',
  display: string,
  permissions: ArcheryPermission[],
): ArcherySeedUser => ({
  id,
  username,
  display,
  password: archerySandboxPasswords[username],
  permissions,
  authGroups: authGroups.map((group) => group.id),
  resourceGroups: groups.map((group) => group.groupName),
  apiWhitelisted: true,
});

export const archerySeed: ArcherySeed = {
  authGroups,
  groups,
  instances: [
    {
      id: 1,
      instanceName: 'acc',
      dbType: 'mysql',
      host: '10.0.0.11',
      port: 3306,
      resourceGroups: ['A18', 'QC', 'NOFLOW'],
      databases: ['acc', 'acc_audit'],
    },
    {
      id: 2,
      instanceName: 'report',
      dbType: 'mysql',
      host: '10.0.0.12',
      port: 3306,
      resourceGroups: ['A18', 'A19'],
      // No database is named like the instance: a client must read the names, not guess them.
      databases: ['report_a18', 'report_a19'],
    },
    // Linked to no resource group: nobody may submit to it ("你所在组未关联该实例！").
    {
      id: 3,
      instanceName: 'acc_archive',
      dbType: 'mysql',
      host: '10.0.0.13',
      port: 3306,
      resourceGroups: [],
      databases: ['acc_archive_2023'],
    },
  ],
  users: [
    serviceUser(1, 'cdflow', 'cdflow service', ['sql.sql_submit', 'sql.sql_review', 'sql.sql_execute']),
    serviceUser(2, 'dba', 'DBA on duty', [
      'sql.sql_submit',
      'sql.sql_review',
      'sql.sql_execute_for_resource_group',
    ]),
    {
      // Logged in but without sql.sql_submit: Archery answers 403 to its submissions.
      id: 3,
      username: 'viewer',
      display: 'read-only developer',
      password: archerySandboxPasswords.viewer,
      permissions: [],
      authGroups: [],
      resourceGroups: ['A18'],
      apiWhitelisted: false,
    },
  ],
};
