/**
 * Which Jira groups may send which person event (`people.events`). An event the configuration does not
 * list may be sent by any authenticated person; the shared operator token is break-glass and may send
 * every event. Group names compare case-insensitively, as Jira's do.
 */
import type { PeopleSettings, PersonEventType } from '../../config/people-settings.js';
import { forbidden } from '../api-error.js';
import type { Person } from './person.js';

/** The groups allowed to send `type`, or null when anyone authenticated may. */
export function groupsAllowedFor(settings: PeopleSettings, type: PersonEventType): string[] | null {
  return settings.events[type] ?? null;
}

export function maySend(settings: PeopleSettings, person: Person, type: PersonEventType): boolean {
  if (person.via === 'operator-token') return true;
  if (person.via === 'intake-token') return false;
  const allowed = groupsAllowedFor(settings, type);
  if (allowed === null) return true;
  const mine = new Set(person.groups.map((g) => g.toLowerCase()));
  return allowed.some((g) => mine.has(g.toLowerCase()));
}

/** Throws the 403 answer naming the groups that may send `type` when `person` may not. */
export function assertMaySend(settings: PeopleSettings, person: Person, type: PersonEventType): void {
  if (maySend(settings, person, type)) return;
  const allowed = groupsAllowedFor(settings, type) ?? [];
  const theirs = person.groups.length > 0 ? person.groups.join(', ') : 'no group';
  throw forbidden(
    `${type} may be sent only by members of ${allowed.join(' or ')} (people.events.${type}); ` +
      `${person.name} is in ${theirs}: ask a member of ${allowed.join(' or ')}, or a Jira admin to add you`,
    { event: type, allowedGroups: allowed },
  );
}
