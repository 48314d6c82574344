/**
 * The one progress watcher: polls a campaign's progress, reports each change, and settles on the
 * database's counts when it ends. The CLI's `follow()` (progress bar) and the API's per-campaign
 * SSE stream both use it.
 */
import { FINISHED_STATUSES } from '../store/campaigns.js';
import type { CampaignProgress } from '../workflows/campaign.js';
import { progressFromDetail, type CampaignService } from './service.js';

/** A campaign's final statuses, for its progress and for its row (`service.list()`) alike. */
export const FINISHED: ReadonlySet<string> = new Set(FINISHED_STATUSES);

export interface WatchOptions {
  intervalMs?: number;
  /** Stops watching (the function then returns undefined). */
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolveSleep) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolveSleep();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Calls `onProgress` whenever the numbers move; resolves with the final progress once the campaign ends. */
export async function watchProgress(
  service: CampaignService,
  id: string,
  onProgress: (progress: CampaignProgress) => void,
  options: WatchOptions = {},
): Promise<CampaignProgress | undefined> {
  let last = '';
  while (!options.signal?.aborted) {
    const progress = await service.progress(id);
    const text = JSON.stringify(progress);
    if (text !== last) onProgress(progress);
    last = text;
    if (FINISHED.has(progress.status)) {
      // The workflow's final count can run ahead of the database by a moment; settle on the DB's.
      const settled = progressFromDetail(await service.get(id));
      return settled.status === progress.status ? settled : progress;
    }
    await sleep(options.intervalMs ?? 400, options.signal);
  }
  return undefined;
}

/**
 * Waits until no campaign created at or after `since` (other than `own`) is unfinished: the
 * campaigns another `campaign run` or an API client submitted through a stack this command
 * started. That stack runs their workflows and trainings, so closing it when this command's own
 * campaign ends would pause them and cut off whoever follows them. Campaigns from before `since`
 * (kept from an earlier, stopped run and resumed by this stack) do not hold it up. `onWaiting` is
 * called when the set of campaigns waited for changes.
 */
export async function waitForCampaignsSince(
  service: CampaignService,
  since: Date,
  own: string,
  onWaiting: (campaignIds: string[]) => void,
  options: WatchOptions = {},
): Promise<void> {
  let last = '';
  while (!options.signal?.aborted) {
    const others = (await service.list())
      .filter((c) => c.campaignId !== own && !FINISHED.has(c.status) && Date.parse(c.createdAt) >= since.getTime())
      .map((c) => c.campaignId);
    if (others.length === 0) return;
    if (others.join() !== last) onWaiting(others);
    last = others.join();
    await sleep(options.intervalMs ?? 2_000, options.signal);
  }
}

/**
 * Waits until `lastActivity()` is `quietMs` in the past, or `maxMs` have gone by. Whoever follows
 * a campaign through a stack's API reads its end (final progress, results) a poll or more after
 * the database says it ended — several seconds later on a loaded machine — so the stack's owner
 * stays up until its API has gone quiet rather than closing the moment the campaign row is final.
 * An API client that never stops asking (a dashboard left open) holds it up for `maxMs` at most.
 */
export async function waitForQuiet(lastActivity: () => number, quietMs: number, maxMs: number, options: WatchOptions = {}): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!options.signal?.aborted && Date.now() < deadline) {
    const quietFor = Date.now() - lastActivity();
    if (quietFor >= quietMs) return;
    await sleep(Math.min(quietMs - quietFor, deadline - Date.now()), options.signal);
  }
}
