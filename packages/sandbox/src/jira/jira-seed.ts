/** Default content of the Jira simulator: the projects, issue type, custom fields and people of a cdflow site. */

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
  /** Browse only: cannot create, edit, transition or comment (Jira hides what the user may not do). */
  readOnly?: boolean;
}

export const jiraSeed = {
  projects: [
    { id: '10000', key: 'AC', name: 'AC 升级' },
    { id: '10001', key: 'QC', name: 'QC 升级' },
  ] satisfies JiraSimProject[],
  issueType: { id: '10100', name: '升级', description: '环境升级流程' },
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
  people: [
    { name: 'dba', displayName: 'DBA', emailAddress: 'dba@example.invalid' },
    { name: 'ops', displayName: 'Ops', emailAddress: 'ops@example.invalid' },
    { name: 'tester', displayName: 'Tester', emailAddress: 'tester@example.invalid' },
    { name: 'viewer', displayName: 'Viewer', emailAddress: 'viewer@example.invalid', readOnly: true },
  ],
  serviceUser: 'cdflow',
} as const;
