/**
 * One GET whose URL depends on reactive state: re-fetched when the URL (or anything `url()` reads,
 * such as `live.tick`) changes; answers to an outdated URL are dropped. Call during component set-up.
 */
import { ApiDownError, ApiError, get } from './api.ts';

export interface Resource<T> {
  data: T | null;
  error: string | null;
  /** The API was unreachable (shown by the app-wide banner rather than per view). */
  down: boolean;
  loading: boolean;
}

/** `refresh` is read too: when what it reads changes (e.g. a live event), the same URL is fetched again. */
export function resource<T>(url: () => string | null, refresh?: () => unknown): Resource<T> {
  const state = $state<Resource<T>>({ data: null, error: null, down: false, loading: false });
  let lastUrl: string | null = null;
  $effect(() => {
    const target = url();
    refresh?.();
    if (target === null) {
      state.data = null;
      state.loading = false;
      return;
    }
    let stale = false;
    // A new URL clears the old answer; the same URL again (a live tick) keeps showing it meanwhile.
    if (target !== lastUrl) state.data = null;
    lastUrl = target;
    state.loading = true;
    get<T>(target)
      .then((data) => {
        if (stale) return;
        state.data = data;
        state.error = null;
        state.down = false;
      })
      .catch((error: unknown) => {
        if (stale) return;
        state.down = error instanceof ApiDownError;
        state.error = error instanceof ApiError || error instanceof ApiDownError ? error.message : String(error);
      })
      .finally(() => {
        if (!stale) state.loading = false;
      });
    return () => {
      stale = true;
    };
  });
  return state;
}
