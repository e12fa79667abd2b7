/**
 * What CDFLOW_DB names: a `postgres://` / `postgresql://` URL selects PostgreSQL, anything else is the
 * path of a SQLite file. A URL is checked here, before anything connects, and is only ever shown with its
 * password masked (`location`), in errors and logs alike.
 */
import { CdflowError } from '@cdflow/core';

export type StoreLocation =
  | { dialect: 'sqlite'; path: string }
  | {
      dialect: 'postgres';
      /** The URL as given (with its password): only for the driver. */
      url: string;
      /** The URL with its password masked: for messages. */
      location: string;
      /** The password, so that a driver's message can be scrubbed of it. */
      password: string;
    };

export class StoreUrlError extends CdflowError {
  constructor(shown: string, problem: string) {
    super(
      'STORE_URL_INVALID',
      `CDFLOW_DB ${shown} is not a usable PostgreSQL URL: ${problem}. ` +
        'Expected postgres://user:password@host:5432/database (or a file path for SQLite).',
    );
    this.name = 'StoreUrlError';
  }
}

const schemes = ['postgres:', 'postgresql:'];

/** The URL with its password replaced by `***` (a URL that cannot be parsed is never shown at all). */
export function maskPassword(url: URL): string {
  if (url.password === '') return url.toString();
  const masked = new URL(url.toString());
  masked.password = '***';
  return masked.toString();
}

export function parseStoreLocation(value: string): StoreLocation {
  const trimmed = value.trim();
  if (!/^postgres(ql)?:\/\//i.test(trimmed)) return { dialect: 'sqlite', path: value };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    // Never echo the text: it may hold the password.
    throw new StoreUrlError('<invalid URL>', 'it cannot be parsed as a URL');
  }
  const shown = maskPassword(url);
  if (!schemes.includes(url.protocol.toLowerCase()))
    throw new StoreUrlError(shown, `the scheme must be postgres or postgresql, not ${url.protocol}`);
  // A host is a name or address, or a socket directory given as ?host=/path.
  if (url.hostname === '' && !url.searchParams.has('host'))
    throw new StoreUrlError(shown, 'it names no host');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database.includes('/'))
    throw new StoreUrlError(shown, `the database name "${database}" contains a slash`);
  return { dialect: 'postgres', url: trimmed, location: shown, password: decodeURIComponent(url.password) };
}

/** A driver's message with the password taken out (some repeat what they were given). */
export function scrub(message: string, password: string): string {
  return password === '' ? message : message.split(password).join('***');
}
