/**
 * Default content of the Jira simulator: the projects, issue types, custom fields, people and groups of a
 * cdflow site.
 */

export interface JiraSimProject {
  id: string;
  key: string;
  name: string;
}

export type JiraSimField =
  | { id: string; name: string; kind: 'text' }
  | { id: string; name: string; kind: 'select'; options: Array<{ id: string; value: string }> };

export interface JiraSimUser {
  name: string;
  password: string;
  displayName: string;
  emailAddress: string;
  /** Group names (Jira's `jira-software-users` is added to everyone able to log in). */
  groups: string[];
  /** Browse only: cannot create, edit, transition or comment (Jira hides what the user may not do). */
  readOnly?: boolean;
}

/** A person as a seed or an option describes one (the password is generated when absent). */
export interface JiraSimPersonInput {
  name: string;
  password?: string;
  displayName?: string;
  emailAddress?: string;
  groups?: readonly string[];
  readOnly?: boolean;
}

/** Fake sandbox passwords of the seed's people, obviously not secrets (the service user's is generated). */
export const jiraSandboxPasswords = {
  dba1: 'dba1-sandbox-password',
  sa1: 'sa1-sandbox-password',
  lead1: 'lead1-sandbox-password',
  ops1: 'ops1-sandbox-password',
  tester1: 'tester1-sandbox-password',
  dev1: 'dev1-sandbox-password',
  dba: 'dba-sandbox-password',
  ops: 'ops-sandbox-password',
  tester: 'tester-sandbox-password',
  viewer: 'viewer-sandbox-password',
} as const;

export const jiraSeed = {
  projects: [
    { id: '10000', key: 'AC', name: 'AC 升级' },
    { id: '10001', key: 'QC', name: 'QC 升级' },
  ] satisfies JiraSimProject[],
  /** The UAT issue type (workflow "cdflow"). */
  issueType: { id: '10100', name: '升级', description: '环境升级流程' },
  /** The production issue type (workflow "cdflow-prod"); its name is configurable (`prodIssueType`). */
  prodIssueType: { id: '10101', name: '运营升级', description: '运营环境升级流程' },
  fields: [
    { id: 'customfield_10200', name: '功能列表', kind: 'text' },
    {
      id: 'customfield_10101',
      name: '升级类型',
      kind: 'select',
      options: [
        { id: '10300', value: '日常版本需求' },
        { id: '10301', value: '日常排版需求' },
        { id: '10302', value: '紧急需求' },
      ],
    },
    { id: 'customfield_10201', name: 'SQL', kind: 'text' },
    { id: 'customfield_10100', name: '配置', kind: 'text' },
    { id: 'customfield_10104', name: 'Apollo', kind: 'text' },
    { id: 'customfield_10103', name: '代码', kind: 'text' },
  ] satisfies JiraSimField[],
  /** The service user `cdflow` gets its password (and token) generated at start unless given. */
  serviceUser: 'cdflow',
  serviceUserGroups: ['jira-software-users', 'cdflow-service'],
  people: [
    // The approvers and actors of the production workflow, one per group.
    { name: 'dba1', displayName: 'DBA 一号', groups: ['dba'], password: jiraSandboxPasswords.dba1 },
    { name: 'sa1', displayName: 'SA 一号', groups: ['sa'], password: jiraSandboxPasswords.sa1 },
    { name: 'lead1', displayName: '组长 一号', groups: ['team-leads'], password: jiraSandboxPasswords.lead1 },
    { name: 'ops1', displayName: '运维 一号', groups: ['ops'], password: jiraSandboxPasswords.ops1 },
    {
      name: 'tester1',
      displayName: '测试 一号',
      groups: ['testers'],
      password: jiraSandboxPasswords.tester1,
    },
    { name: 'dev1', displayName: '开发 一号', groups: ['developers'], password: jiraSandboxPasswords.dev1 },
    // Older names kept for the tests and demos that act as them.
    { name: 'dba', displayName: 'DBA', groups: ['dba'], password: jiraSandboxPasswords.dba },
    { name: 'ops', displayName: 'Ops', groups: ['ops'], password: jiraSandboxPasswords.ops },
    { name: 'tester', displayName: 'Tester', groups: ['testers'], password: jiraSandboxPasswords.tester },
    { name: 'viewer', displayName: 'Viewer', password: jiraSandboxPasswords.viewer, readOnly: true },
  ] satisfies JiraSimPersonInput[],
} as const;
