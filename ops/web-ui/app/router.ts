import { useEffect, useState } from 'preact/hooks';

/** The browser's location as the app routes on it. */
export interface Route {
  readonly path: string;
  readonly params: URLSearchParams;
}

const listeners = new Set<() => void>();
const current = (): Route => ({ path: location.pathname, params: new URLSearchParams(location.search) });
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

/** Goes to `href` (same origin) without reloading; `replace` keeps the browser history as it is. */
export function navigate(href: string, opts: { replace?: boolean } = {}): void {
  if (href === location.pathname + location.search) return;
  if (opts.replace === true) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  listeners.forEach((l) => l());
}

/** Re-renders the caller whenever the location changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return route;
}

/**
 * Turns clicks on same-origin links to `paths` into client-side navigation (modified clicks,
 * other targets and other paths load as usual).
 */
export function interceptLinks(paths: ReadonlySet<string>): () => void {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest('a');
    if (a === null || a === undefined || (a.target !== '' && a.target !== '_self') || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !paths.has(url.pathname)) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  };
  document.addEventListener('click', onClick);
  return () => document.removeEventListener('click', onClick);
}
