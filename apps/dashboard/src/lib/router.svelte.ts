/**
 * A History API router small enough to read in one go: the current path and query as reactive
 * state, same-origin link clicks turned into pushState, back/forward via popstate. Views derive
 * their state from `router.query` and change it with `setQuery`, so the URL is the one source of
 * truth for what a view shows.
 */
import { decodeState, encodeState, type Schema, type StateOf } from './url-state.ts';

class Router {
  path = $state(location.pathname);
  search = $state(location.search);
  query = $derived(new URLSearchParams(this.search));

  constructor() {
    addEventListener('popstate', () => this.sync());
    document.addEventListener('click', (event) => this.intercept(event));
  }

  private sync() {
    this.path = location.pathname;
    this.search = location.search;
  }

  navigate(href: string, options: { replace?: boolean } = {}) {
    const url = new URL(href, location.href);
    if (url.origin !== location.origin) {
      location.assign(url);
      return;
    }
    if (url.pathname + url.search === location.pathname + location.search) return;
    history[options.replace ? 'replaceState' : 'pushState'](null, '', url.pathname + url.search + url.hash);
    this.sync();
  }

  private intercept(event: MouseEvent) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    event.preventDefault();
    this.navigate(url.href);
  }
}

export const router = new Router();

/** Matches `/campaigns/:id`-style patterns; the values are decoded. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const have = path.replace(/\/+$/, '').split('/');
  if (path === '/' && pattern === '/') return {};
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(h);
    else if (w !== h) return null;
  }
  return params;
}

/** A view's state from the URL, and a setter that writes changes back (replacing the entry). */
export function urlState<S extends Schema>(schema: S) {
  return {
    get value(): StateOf<S> {
      return decodeState(schema, router.query);
    },
    set(patch: Partial<StateOf<S>>, options: { push?: boolean } = {}) {
      const next = { ...decodeState(schema, router.query), ...patch };
      const search = encodeState(schema, next);
      router.navigate(`${router.path}${search ? `?${search}` : ''}`, { replace: !options.push });
    },
  };
}
