/** The CampaignService over HTTP: what the CLI uses while a `fuselab up` stack is running. */
import { NotFoundError, type CampaignService, type SubmitOptions, type Submitted } from '../campaigns/service.js';
import { SpecError } from '../campaigns/validation.js';
import type {
  CampaignDetail,
  CampaignExport,
  CampaignSummary,
  ExportOptions,
  ImportSummary,
  ResultFilters,
  SearchResultRow,
  SimResultRow,
} from '../store/store.js';
import type { TrainingResultRow } from '../campaigns/service.js';
import { TRAINED_CHECKPOINT_HEADERS, type TrainedCheckpoint } from '../campaigns/trained-checkpoint.js';
import type { CampaignProgress } from '../workflows/campaign.js';

/** `?campaign=…&limit=…` for the list routes (empty when neither is given). */
function listQuery(campaignId?: string, limit?: number): string {
  const query = new URLSearchParams({
    ...(campaignId ? { campaign: campaignId } : {}),
    ...(limit !== undefined ? { limit: String(limit) } : {}),
  }).toString();
  return query ? `?${query}` : '';
}

/** Attempts of a GET whose connection fails (see `send`). */
const GET_ATTEMPTS = 4;

/**
 * The API stopped answering: the stack serving it (`fuselab up`, or the `campaign run` that
 * started it) has ended. Its campaigns are kept in the database, so the user's fix is to start a
 * stack again — an environment error (CLI exit 2, one line), not a failure of the campaign.
 */
export class ApiUnavailableError extends Error {
  override name = 'ApiUnavailableError';
}

export class HttpCampaignService implements CampaignService {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    const payload = (await response.json().catch(() => ({}))) as { error?: string; field?: string; problem?: string };
    if (!response.ok) throw this.errorOf(response.status, payload);
    return payload as T;
  }

  /** An error answer as the local service would have thrown it: input errors keep their field. */
  private errorOf(status: number, payload: { error?: string; field?: string; problem?: string }): Error {
    if (status === 400)
      return payload.field !== undefined && payload.problem !== undefined
        ? new SpecError(payload.field, payload.problem)
        : new SpecError('request', payload.error ?? 'bad request');
    if (status === 404) return new NotFoundError(payload.error ?? 'not found');
    return new Error(`the fuselab API at ${this.baseUrl} answered ${status}: ${payload.error ?? ''}`);
  }

  /**
   * One request; a GET whose connection fails is sent again (up to 3 times, 0.25–1 s apart). The
   * API may live in a process that also trains: a step or a data-set decode that holds its event
   * loop past the server's keep-alive timeout makes it close a connection the client is reusing
   * (ECONNRESET), which says nothing about the request. Other methods are not idempotent and are
   * never re-sent.
   */
  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const init: RequestInit = {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetch(`${this.baseUrl}${path}`, init);
      } catch (error) {
        if (method !== 'GET' || attempt >= GET_ATTEMPTS) {
          if ((error as { cause?: { code?: unknown } }).cause?.code === 'ECONNREFUSED')
            throw new ApiUnavailableError(
              `cannot reach the fuselab API at ${this.baseUrl} (connection refused): the stack serving it (\`fuselab up\`, or the \`campaign run\` that started it) has stopped; campaigns are kept — run the spec again, or start \`fuselab up\``,
            );
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
      }
    }
  }

  submit(spec: unknown, options: SubmitOptions = {}): Promise<Submitted> {
    return this.call('POST', '/api/campaigns', { spec, ...options });
  }
  progress(id: string): Promise<CampaignProgress> {
    return this.call('GET', `/api/campaigns/${encodeURIComponent(id)}/progress`);
  }
  list(): Promise<CampaignSummary[]> {
    return this.call('GET', '/api/campaigns');
  }
  get(id: string): Promise<CampaignDetail> {
    return this.call('GET', `/api/campaigns/${encodeURIComponent(id)}`);
  }
  cancel(id: string): Promise<{ campaignId: string; status: string }> {
    return this.call('POST', `/api/campaigns/${encodeURIComponent(id)}/cancel`);
  }
  jobs(id: string, options: { status?: string; limit?: number; offset?: number } = {}): Promise<unknown[]> {
    const query = new URLSearchParams(Object.entries(options).map(([k, v]): [string, string] => [k, String(v)]));
    return this.call('GET', `/api/campaigns/${encodeURIComponent(id)}/jobs?${query}`);
  }
  results(filters: ResultFilters, withLayers = false): Promise<SimResultRow[]> {
    const { campaignId, ...rest } = filters;
    const query = new URLSearchParams(
      Object.entries({ ...rest, ...(campaignId ? { campaign: campaignId } : {}), ...(withLayers ? { layers: 'true' } : {}) }).map(
        ([k, v]): [string, string] => [k, String(v)],
      ),
    );
    return this.call('GET', `/api/results?${query}`);
  }
  trainingResults(campaignId?: string, limit?: number): Promise<TrainingResultRow[]> {
    return this.call('GET', `/api/training-results${listQuery(campaignId, limit)}`);
  }
  trainingCurves(campaignId?: string, limit?: number): Promise<unknown[]> {
    return this.call('GET', `/api/training-curves${listQuery(campaignId, limit)}`);
  }
  searchFronts(campaignId?: string, limit?: number): Promise<unknown[]> {
    return this.call('GET', `/api/search-fronts${listQuery(campaignId, limit)}`);
  }
  searchResults(campaignId: string): Promise<SearchResultRow[]> {
    return this.call('GET', `/api/campaigns/${encodeURIComponent(campaignId)}/searches`);
  }
  exportCampaign(id: string, options: ExportOptions = {}): Promise<CampaignExport> {
    return this.call('GET', `/api/campaigns/${encodeURIComponent(id)}/export${options.checkpoints === false ? '?checkpoints=false' : ''}`);
  }
  importCampaign(doc: unknown): Promise<ImportSummary> {
    return this.call('POST', '/api/import', doc);
  }
  async trainedCheckpoint(campaignId: string, key: string): Promise<TrainedCheckpoint> {
    const response = await this.send(
      'GET',
      `/api/campaigns/${encodeURIComponent(campaignId)}/trainings/${encodeURIComponent(key)}/checkpoint`,
    );
    if (!response.ok) throw this.errorOf(response.status, (await response.json().catch(() => ({}))) as { error?: string });
    // Express quotes the name only when it must (`attachment; filename=a.ckpt.json.gz`).
    const fileName = /filename="?([^";]+)"?/.exec(response.headers.get('content-disposition') ?? '')?.[1];
    const accuracy = response.headers.get(TRAINED_CHECKPOINT_HEADERS.testAccuracy);
    return {
      jobKey: response.headers.get(TRAINED_CHECKPOINT_HEADERS.jobKey) ?? '',
      fileName: fileName ?? `${key}.ckpt.json.gz`,
      testAccuracy: accuracy === null ? null : Number(accuracy),
      bytes: new Uint8Array(await response.arrayBuffer()),
    };
  }
}
