/**
 * The dashboard's only way out: the orchestrator's HTTP API at the page's own origin. The session
 * cookie travels by itself (same origin); the token is never stored here. GETs revalidate with the
 * server's ETag (`cache: 'no-cache'`), so polling costs a 304.
 */
import { session } from './session.svelte.ts';
import type { CampaignStatus, JobStatus } from './statuses.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API could not be reached at all (server down, proxy without upstream). */
export class ApiDownError extends Error {
  override name = 'ApiDownError';
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      credentials: 'same-origin',
      cache: 'no-cache',
      ...init,
      headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
    });
  } catch {
    session.reachable = false;
    throw new ApiDownError('cannot reach the fuselab API');
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    session.reachable = false;
    throw new ApiDownError(`the fuselab API answered ${response.status}`);
  }
  session.reachable = true;
  if (response.status === 401) {
    session.authenticated = false;
    throw new ApiError(401, 'sign in to see this');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(response.status, `the API answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok)
    throw new ApiError(response.status, (body as { error?: string } | undefined)?.error ?? `the API answered ${response.status}`);
  return body as T;
}

export const get = <T>(path: string) => request<T>(path);
export const post = <T>(path: string, body?: unknown) =>
  request<T>(path, { method: 'POST', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | readonly string[] | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length) search.set(key, value.join(','));
    } else search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export { CAMPAIGN_STATUSES, JOB_KINDS, JOB_STATUSES, isActive, isCancellable, type CampaignStatus, type JobStatus } from './statuses.ts';

export interface JobCounts {
  total: number;
  pending: number;
  running: number;
  completed: number;
  failed: number;
  reused: number;
  cancelled: number;
}

export interface Campaign {
  campaignId: string;
  name: string;
  status: CampaignStatus;
  createdAt: string;
  startedAt?: string | null;
  finishedAt: string | null;
  error: string | null;
  jobs: JobCounts;
}

export interface CampaignDetail extends Campaign {
  spec: unknown;
  seed: number;
  /** Package versions and, as `code:sim|train|nas`, the content hash of the code each kind of job runs (part of its key). */
  versions?: Record<string, string>;
}

export interface Progress {
  campaignId: string;
  status: string;
  total: number;
  completed: number;
  failed: number;
  reused: number;
  running?: number;
  cancelled?: number;
  /** The searches running now, as each search workflow's progress query answers (absent when none runs). */
  searches?: RunningSearch[];
}

/** A running search: one job, however many candidates and trainings it takes. */
export interface RunningSearch {
  /** The spec's search name. */
  name: string;
  position: number;
  status: 'starting' | 'running' | 'completed' | 'cancelled';
  strategy: string | null;
  budget: number;
  evaluations: number;
  generation: number;
  front: number;
  /** Once the front is being trained again at more seeds (`confirm`). */
  confirmations?: { done: number; total: number };
}

export interface Job {
  id?: string | number;
  key: string;
  kind: string;
  params: unknown;
  status: JobStatus;
  attempts: number;
  worker: string | null;
  startedAt: string | null;
  /** A running training's last sign of life (its worker writes it every 15 s or so). */
  heartbeatAt?: string | null;
  finishedAt: string | null;
  durationMs?: number | null;
  error: string | null;
}

export interface JobPage {
  items: Job[];
  next: string | null;
}

export interface TrainingProgress {
  /** The training job's id; null for a training a search runs (a candidate or a supernet), which has no job row. */
  jobId: string | number | null;
  jobKey: string;
  /** A search's training: the search job it measures a candidate for. */
  search?: { jobId: number; group: string };
  network: string;
  variant: string;
  /** Variant `custom`: the network's per-block operators. */
  operators?: string[];
  method: string;
  seed: number;
  step: number;
  totalSteps: number | null;
  loss: number | null;
  imagesPerSec: number | null;
  updatedAt: string;
}

export interface SpecCheck {
  ok: true;
  name: string;
  jobs: { simulations: number; trainings: number; searches: number; total: number };
}
