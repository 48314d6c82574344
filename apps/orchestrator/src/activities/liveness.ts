/**
 * Heartbeats for work that runs in a child process (training, supernet tasks).
 *
 * The heartbeat is sent from a timer on the activity's own event loop, which the child leaves free,
 * not from the child's events. The training activities' heartbeat timeout then measures one thing:
 * how long a dead or cut-off worker goes unnoticed before the job is retried elsewhere. It no longer
 * has to outlast the child's slowest step or test-set pass, which grow with the network and the
 * image size (a 60 s timeout was chosen for that, and a killed worker then held its job up for a
 * minute).
 *
 * A child that is alive but reports nothing for `stalledAfterMs` (no step, evaluated batch, decoded
 * image, checkpoint or scored path) is no longer vouched for: the server times the attempt out and
 * the retry resumes from the last stored checkpoint, as it would after a worker's death.
 */

/**
 * How often the timer heartbeats. Cancellation reaches an activity in a heartbeat's answer, and the
 * worker sends at most one a second (temporal/worker.ts), so this keeps a cancel heard within about
 * two seconds even between slow steps.
 */
export const VOUCH_EVERY_MS = 1_000;

/** Default: how long a child may report no progress before it is treated as hung. */
export const STALLED_AFTER_MS = 15 * 60_000;

export interface Liveness {
  /** The child reported progress (any event): heartbeats at once too. */
  progressed(): void;
  /** The work ended: no more heartbeats. */
  stop(): void;
}

export interface LivenessOptions {
  /** Sends a heartbeat (Context.current().heartbeat in an activity). */
  heartbeat: (details: unknown) => void;
  /** The heartbeat's details, read at each beat. */
  details: () => unknown;
  stalledAfterMs?: number;
  everyMs?: number;
  now?: () => number;
}

/** Starts heartbeating at once and every `everyMs` while the child has progressed within `stalledAfterMs`. */
export function vouchForChild(options: LivenessOptions): Liveness {
  const now = options.now ?? Date.now;
  const stalledAfterMs = options.stalledAfterMs ?? STALLED_AFTER_MS;
  let lastProgress = now();
  const beat = () => {
    if (now() - lastProgress <= stalledAfterMs) options.heartbeat(options.details());
  };
  beat();
  const timer = setInterval(beat, options.everyMs ?? VOUCH_EVERY_MS);
  return {
    progressed: () => {
      lastProgress = now();
      beat();
    },
    stop: () => clearInterval(timer),
  };
}
