/**
 * Who a request acts for, once `authenticate` has let it through. Every operator decision is attributed
 * to `name`; `groups` decide which events the person may send (people.events).
 */
import type { FastifyRequest } from 'fastify';

/** How a request proved who it is. */
export type Credential = 'session' | 'person-token' | 'operator-token' | 'intake-token';

export interface Person {
  /** Jira user name, person-token name, or the fixed identities `operator` and `release-system`. */
  name: string;
  displayName: string;
  groups: string[];
  via: Credential;
}

/** The authenticated person of a request and, for a console session, the session it came with. */
export interface RequestIdentity {
  person: Person;
  sessionId: string | null;
}

const identities = new WeakMap<FastifyRequest, RequestIdentity>();

export function setIdentity(request: FastifyRequest, identity: RequestIdentity): void {
  identities.set(request, identity);
}

/** The identity `authenticate` attached; a route without that hook has none (a programming error). */
export function identityOf(request: FastifyRequest): RequestIdentity {
  const identity = identities.get(request);
  if (identity === undefined)
    throw new Error('internal: the route reads a person but has no authenticate hook');
  return identity;
}

export const personOf = (request: FastifyRequest): Person => identityOf(request).person;

/** The operator token: shared, for automation and break-glass use; its decisions are attributed to `operator`. */
export const operatorPerson: Person = {
  name: 'operator',
  displayName: 'operator (shared token)',
  groups: [],
  via: 'operator-token',
};

/** The intake token identifies the release system; it may read, never decide. */
export const releaseSystemPerson: Person = {
  name: 'release-system',
  displayName: 'release system',
  groups: [],
  via: 'intake-token',
};
