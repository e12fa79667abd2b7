/**
 * The `people` and `console` sections of the CDFLOW_CONFIG file: who may act (person tokens stored as
 * SHA-256 hashes, which Jira groups may send which person event, how long a console session lasts) and
 * what the web console needs (when a release waiting on a person counts as stuck, where links point).
 */
import { type PersonEvent, personEventTypes } from '@cdflow/core';
import Type, { type Static } from 'typebox';

export type PersonEventType = PersonEvent['type'];

export interface PersonTokenSetting {
  /** The name the history shows as the actor of this token's decisions. */
  name: string;
  /** Lower-case hex SHA-256 of the token (the token itself is never configured). */
  sha256: string;
  groups: string[];
}

export interface PeopleSettings {
  tokens: PersonTokenSetting[];
  /** Jira groups allowed to send each event; an event not listed may be sent by any authenticated person. */
  events: Partial<Record<PersonEventType, string[]>>;
  /** A console session ends this long after sign-in. */
  sessionTtlMinutes: number;
  /** `auto`: the session cookie is Secure when the request came over https (directly or per X-Forwarded-Proto). */
  secureCookies: 'auto' | 'always';
}

export interface ConsoleSettings {
  /** A release waiting on a person longer than this stands out in the console. */
  stuckAfterMinutes: number;
  /** Base URL of Archery for people's browsers (links to work orders); null: the configured ARCHERY_BASE_URL. */
  archeryUrl: string | null;
  /** Base URL of Jira for people's browsers (links to issues); null: the configured JIRA_BASE_URL. */
  jiraUrl: string | null;
  /** Folder of the built console; null: packages/console/dist of the installed @cdflow/console. */
  distDir: string | null;
}

export const defaultPeopleSettings: PeopleSettings = {
  tokens: [],
  events: {},
  sessionTtlMinutes: 8 * 60,
  secureCookies: 'auto',
};

export const defaultConsoleSettings: ConsoleSettings = {
  stuckAfterMinutes: 120,
  archeryUrl: null,
  jiraUrl: null,
  distDir: null,
};

/** Names the server itself uses as actors; a person token may not pretend to be one of them. */
const reservedNames = ['operator', 'release-system', 'cdflow', 'timer'];
const groupName = Type.String({ minLength: 1, maxLength: 255 });

export const peopleFileSchema = Type.Object(
  {
    tokens: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 128 }),
            sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'hex SHA-256 of the token' }),
            groups: Type.Optional(Type.Array(groupName)),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    events: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Array(groupName))),
    // Minutes, fractions allowed (a short session for a test or a kiosk), at most a week.
    sessionTtlMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 7 * 24 * 60 })),
    secureCookies: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('always')])),
  },
  { additionalProperties: false },
);

export const consoleFileSchema = Type.Object(
  {
    stuckAfterMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    archeryUrl: Type.Optional(Type.String({ minLength: 1 })),
    jiraUrl: Type.Optional(Type.String({ minLength: 1 })),
    distDir: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

type PeopleFile = Static<typeof peopleFileSchema>;
type ConsoleFile = Static<typeof consoleFileSchema>;

/** The settings with defaults filled in; every problem is pushed as one line naming the key. */
export function resolvePeopleSettings(file: PeopleFile | undefined, problems: string[]): PeopleSettings {
  const tokens: PersonTokenSetting[] = [];
  const names = new Set<string>();
  const hashes = new Set<string>();
  for (const [index, token] of (file?.tokens ?? []).entries()) {
    const at = `CDFLOW_CONFIG people.tokens.${index}`;
    const sha256 = token.sha256.toLowerCase();
    if (reservedNames.includes(token.name)) {
      problems.push(`${at}.name: "${token.name}" is a name cdflow uses itself; choose a person's name`);
    }
    if (names.has(token.name)) problems.push(`${at}.name: "${token.name}" is given to two tokens`);
    // The hash is not a secret, but two names on one token would make attribution ambiguous.
    if (hashes.has(sha256)) problems.push(`${at}.sha256: the same token hash is configured twice`);
    names.add(token.name);
    hashes.add(sha256);
    tokens.push({ name: token.name, sha256, groups: token.groups ?? [] });
  }
  const events: PeopleSettings['events'] = {};
  for (const [type, groups] of Object.entries(file?.events ?? {})) {
    if (!(personEventTypes as readonly string[]).includes(type)) {
      problems.push(
        `CDFLOW_CONFIG people.events.${type}: unknown event (expected one of ${personEventTypes.join(', ')})`,
      );
      continue;
    }
    if (groups.length === 0) {
      problems.push(
        `CDFLOW_CONFIG people.events.${type}: list at least one Jira group, or remove the key to let any signed-in person send it`,
      );
      continue;
    }
    events[type as PersonEventType] = groups;
  }
  return {
    tokens,
    events,
    sessionTtlMinutes: file?.sessionTtlMinutes ?? defaultPeopleSettings.sessionTtlMinutes,
    secureCookies: file?.secureCookies ?? defaultPeopleSettings.secureCookies,
  };
}

export function resolveConsoleSettings(
  file: ConsoleFile | undefined,
  readUrl: (raw: string, name: string) => string,
): ConsoleSettings {
  return {
    stuckAfterMinutes: file?.stuckAfterMinutes ?? defaultConsoleSettings.stuckAfterMinutes,
    archeryUrl:
      file?.archeryUrl === undefined ? null : readUrl(file.archeryUrl, 'CDFLOW_CONFIG console.archeryUrl'),
    jiraUrl: file?.jiraUrl === undefined ? null : readUrl(file.jiraUrl, 'CDFLOW_CONFIG console.jiraUrl'),
    distDir: file?.distDir ?? null,
  };
}
