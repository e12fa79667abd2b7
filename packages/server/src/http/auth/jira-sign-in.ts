/**
 * A console sign-in is checked by Jira itself: `GET /rest/api/2/myself?expand=groups` with the person's
 * user name and password (basic auth, once — never retried: Jira counts failed logins and puts a CAPTCHA
 * in front of the account after a few). The answer names the person and their groups.
 */
import { HttpClient, isUpstreamError } from '@cdflow/adapters';
import type { Person } from './person.js';

export type JiraSignInErrorCode = 'INVALID_CREDENTIALS' | 'LOGIN_DENIED' | 'JIRA_UNAVAILABLE' | 'BAD_ANSWER';

export class JiraSignInError extends Error {
  override readonly name = 'JiraSignInError';
  constructor(
    readonly code: JiraSignInErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface MyselfAnswer {
  name?: unknown;
  key?: unknown;
  displayName?: unknown;
  groups?: { items?: unknown };
}

export interface JiraSignInOptions {
  /** Jira's base URL (the server's JIRA_BASE_URL). */
  baseUrl: string;
  timeoutMs: number;
}

export async function signInWithJira(
  options: JiraSignInOptions,
  username: string,
  password: string,
): Promise<Person> {
  const authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  const client = new HttpClient({
    upstream: 'jira',
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    retries: 0,
    headers: () => ({ authorization }),
  });
  let answer: MyselfAnswer;
  try {
    const res = await client.request<MyselfAnswer>({
      method: 'GET',
      path: 'rest/api/2/myself',
      searchParams: { expand: 'groups' },
    });
    answer = res.body ?? {};
  } catch (error) {
    if (!isUpstreamError(error)) throw error;
    if (error.status === 401) {
      throw new JiraSignInError('INVALID_CREDENTIALS', 'Jira refused the user name or password');
    }
    if (error.status === 403) {
      // Jira Server answers 403 (X-Seraph-LoginReason: AUTHENTICATION_DENIED) once it wants a CAPTCHA.
      throw new JiraSignInError(
        'LOGIN_DENIED',
        'Jira denied the sign-in (after failed attempts it asks for a CAPTCHA): sign in to Jira in a browser once, then try again',
      );
    }
    throw new JiraSignInError(
      'JIRA_UNAVAILABLE',
      `cdflow could not check the sign-in with Jira (${error.code}${error.status ? ` ${error.status}` : ''}); try again later`,
    );
  }
  const name = typeof answer.name === 'string' && answer.name !== '' ? answer.name : null;
  if (name === null) {
    throw new JiraSignInError('BAD_ANSWER', 'Jira answered the sign-in check without a user name');
  }
  const items = Array.isArray(answer.groups?.items) ? answer.groups.items : [];
  const groups = items
    .map((g: unknown) => (g !== null && typeof g === 'object' ? (g as { name?: unknown }).name : undefined))
    .filter((g): g is string => typeof g === 'string' && g !== '');
  return {
    name,
    displayName:
      typeof answer.displayName === 'string' && answer.displayName !== '' ? answer.displayName : name,
    groups,
    via: 'session',
  };
}
