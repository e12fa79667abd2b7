/**
 * Page addresses without a router library: `/` and `/ui/` show the list, `/ui/releases/<key>` a release.
 * Links push history entries; the back button works; filters live in the query string.
 */
import { useEffect, useState } from 'preact/hooks';

const changed = 'cdflow:navigate';

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(changed));
}

export function useLocation(): { path: string; search: string } {
  const read = () => ({ path: location.pathname, search: location.search });
  const [where, setWhere] = useState(read);
  useEffect(() => {
    const update = () => setWhere(read());
    window.addEventListener('popstate', update);
    window.addEventListener(changed, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(changed, update);
    };
  }, []);
  return where;
}

export type Route = { page: 'list' } | { page: 'release'; ref: string };

export function routeOf(path: string): Route {
  const match = /^\/ui\/releases\/([^/]+)\/?$/.exec(path);
  if (match) return { page: 'release', ref: decodeURIComponent(match[1]!) };
  return { page: 'list' };
}

export const releasePath = (ref: string) => `/ui/releases/${encodeURIComponent(ref)}`;

/** A click that should stay in the page (plain left click, no modifier: not "open in a new tab"). */
export function followInPage(event: MouseEvent, to: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(to);
}
