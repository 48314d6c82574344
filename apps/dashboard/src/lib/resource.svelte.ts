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

/**
 * `refresh` is read too: when what it reads changes (a live event, a timer), the same URL is fetched
 * again. An answer is kept if its URL is still the one asked for — a refresh does not throw away the
 * answer in flight (on a slow server every answer would be), and refreshes while one is in flight
 * are coalesced into one more request.
 */
/**
 * `data` is raw state: replaced whole by each answer, never proxied. Deep state would wrap every
 * object of an answer in a proxy with a signal per field on first read — 18,000 heatmap cells
 * took ~2 s in Chromium to reach the chart that way. Views treat answers as read-only.
 */
class ResourceState<T> implements Resource<T> {
  data = $state.raw<T | null>(null);
  error = $state<string | null>(null);
  down = $state(false);
  loading = $state(false);
}

export function resource<T>(url: () => string | null, refresh?: () => unknown): Resource<T> {
  const state = new ResourceState<T>();
  let wanted: string | null = null;
  let inFlight: string | null = null;
  let again = false;

  function load(target: string) {
    inFlight = target;
    state.loading = true;
    get<T>(target)
      .then((data) => {
        if (target !== wanted) return;
        state.data = data;
        state.error = null;
        state.down = false;
      })
      .catch((error: unknown) => {
        if (target !== wanted) return;
        state.down = error instanceof ApiDownError;
        state.error = error instanceof ApiError || error instanceof ApiDownError ? error.message : String(error);
      })
      .finally(() => {
        if (inFlight === target) inFlight = null;
        if (target !== wanted) return;
        state.loading = false;
        if (again) {
          again = false;
          load(target);
        }
      });
  }

  $effect(() => {
    const target = url();
    refresh?.();
    if (target === null) {
      wanted = null;
      state.data = null;
      state.loading = false;
      return;
    }
    if (target !== wanted) {
      // A new URL clears the old answer; the same URL again (a refresh) keeps showing it meanwhile.
      wanted = target;
      again = false;
      state.data = null;
      state.error = null;
      load(target);
    } else if (inFlight === target) again = true;
    else load(target);
  });
  return state;
}
