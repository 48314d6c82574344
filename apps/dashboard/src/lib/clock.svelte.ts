/**
 * The current time as reactive state, ticking once a second while some view reads it (and not at
 * all otherwise), so a running campaign's or job's duration moves without a request.
 */
import { createSubscriber } from 'svelte/reactivity';

const subscribe = createSubscriber((update) => {
  const timer = setInterval(update, 1000);
  return () => clearInterval(timer);
});

export const clock = {
  /** Date.now(), re-read every second by the effects and templates that use it. */
  get now(): number {
    subscribe();
    return Date.now();
  },
};
