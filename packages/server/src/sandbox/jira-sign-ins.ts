/** The people a newcomer can sign in to the simulated Jira as (the seed's fake sandbox passwords). */
import { jiraSandboxPasswords, type Sandbox } from '@cdflow/sandbox';

export interface JiraSignIn {
  name: string;
  password: string;
  displayName: string;
  groups: string[];
}

const passwords: Readonly<Record<string, string>> = jiraSandboxPasswords;

/** Every person with a sandbox password (not cdflow's own service user, whose password is generated). */
export function jiraSignIns(sandbox: Pick<Sandbox, 'jira'>): JiraSignIn[] {
  return sandbox.jira.people().flatMap((p) => {
    const password = passwords[p.name];
    if (password === undefined || p.name === sandbox.jira.credentials.user) return [];
    const groups = p.groups.filter((g) => g !== 'jira-software-users');
    return [{ name: p.name, password, displayName: p.displayName, groups }];
  });
}
