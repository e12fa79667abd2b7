/** What every page shares: the signed-in person, the server's console settings, the live stream. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ConsoleSettings, Person } from './api/api-types.js';
import type { LiveEvents } from './api/live-events.js';

export interface AppState {
  person: Person;
  settings: ConsoleSettings;
  live: LiveEvents;
  /** The server said the session is gone (expired, signed out elsewhere): back to the sign-in form. */
  sessionEnded(): void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const app = useContext(AppContext);
  if (app === null) throw new Error('internal: a page rendered outside the signed-in app');
  return app;
}
