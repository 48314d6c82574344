/**
 * Server-sent events. `GET /api/events` (one stream per dashboard tab): `campaigns` with the whole
 * list whenever it changes, `progress` per running campaign whenever its numbers move, and a
 * `: heartbeat` comment every 15 s so proxies keep the connection. One poller per server feeds
 * every open stream, so ten tabs cost what one does. `GET /api/campaigns/:id/events` follows one
 * campaign and ends after `done`.
 */
import type { Express, Request, Response } from 'express';
import type { Logger } from 'pino';
import { FINISHED, watchProgress } from '../campaigns/progress-watch.js';
import { progressFromDetail, type CampaignService } from '../campaigns/service.js';
import { isActiveStatus } from '../store/campaigns.js';
import type { CampaignProgress } from '../workflows/campaign.js';
import { wrap } from './http.js';

type Send = (event: string, data: unknown) => void;

export interface EventOptions {
  /** How often the streams poll (default 500 ms). */
  intervalMs?: number;
  /** Heartbeat comment period (default 15 s). */
  heartbeatMs?: number;
  /** Open `/api/events` streams at most (default 200); more answer 503. */
  maxStreams?: number;
}

function openStream(req: Request, res: Response): { send: Send; comment(text: string): void; closed: () => boolean } {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let closed = false;
  req.on('close', () => {
    closed = true;
  });
  return {
    send: (event, data) => {
      if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    comment: (text) => {
      if (!closed) res.write(`: ${text}\n\n`);
    },
    closed: () => closed,
  };
}

/** Polls the campaign list and the progress of running campaigns while anyone listens. */
class CampaignFeed {
  private readonly listeners = new Set<Send>();
  private lastList = '';
  private list: unknown[] = [];
  private readonly progress = new Map<string, string>();
  private running = false;

  constructor(
    private readonly service: CampaignService,
    private readonly listCampaigns: () => Promise<Array<{ campaignId: string; status: string }>>,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  get size() {
    return this.listeners.size;
  }

  subscribe(send: Send): () => void {
    this.listeners.add(send);
    if (this.lastList) {
      send('campaigns', this.list);
      for (const text of this.progress.values()) send('progress', JSON.parse(text));
    }
    if (!this.running) void this.loop();
    return () => this.listeners.delete(send);
  }

  private emit(event: string, data: unknown) {
    for (const send of this.listeners) send(event, data);
  }

  private async loop() {
    this.running = true;
    try {
      while (this.listeners.size > 0) {
        try {
          await this.tick();
        } catch (error) {
          this.logger.warn({ err: error }, 'campaign feed poll failed');
        }
        await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    } finally {
      this.running = false;
      this.lastList = '';
      this.progress.clear();
    }
  }

  private async tick() {
    const list = await this.listCampaigns();
    const text = JSON.stringify(list);
    if (text !== this.lastList) {
      this.lastList = text;
      this.list = list;
      this.emit('campaigns', list);
    }
    const active = list.filter((c) => isActiveStatus(c.status));
    for (const id of this.progress.keys()) if (!active.some((c) => c.campaignId === id)) this.progress.delete(id);
    for (const campaign of active) {
      const progress = await this.service.progress(campaign.campaignId).catch(() => undefined);
      if (!progress) continue;
      const progressText = JSON.stringify(progress);
      if (this.progress.get(campaign.campaignId) !== progressText) {
        this.progress.set(campaign.campaignId, progressText);
        this.emit('progress', progress);
      }
    }
  }
}

export function registerEventRoutes(
  app: Express,
  service: CampaignService,
  listCampaigns: () => Promise<Array<{ campaignId: string; status: string }>>,
  logger: Logger,
  options: EventOptions = {},
): void {
  const feed = new CampaignFeed(service, listCampaigns, logger, options.intervalMs ?? 500);

  app.get('/api/events', (req, res) => {
    if (feed.size >= (options.maxStreams ?? 200)) return res.status(503).json({ error: 'too many open event streams' });
    const stream = openStream(req, res);
    stream.comment('fuselab events');
    const unsubscribe = feed.subscribe(stream.send);
    const heartbeat = setInterval(() => stream.comment('heartbeat'), options.heartbeatMs ?? 15_000);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
    return undefined;
  });

  /** `progress` whenever the numbers move, then `done` and the stream ends. */
  app.get(
    '/api/campaigns/:id/events',
    wrap(async (req, res) => {
      const id = String(req.params.id);
      const detail = await service.get(id);
      const stream = openStream(req, res);
      stream.comment('fuselab progress');
      const stop = new AbortController();
      req.on('close', () => stop.abort());
      const heartbeat = setInterval(() => stream.comment('heartbeat'), options.heartbeatMs ?? 15_000);
      try {
        let final: CampaignProgress | undefined = progressFromDetail(detail);
        if (FINISHED.has(final.status)) stream.send('progress', final);
        else
          final = await watchProgress(service, id, (progress) => stream.send('progress', progress), {
            intervalMs: options.intervalMs ?? 500,
            signal: stop.signal,
          });
        if (final) stream.send('done', final);
      } catch (error) {
        logger.warn({ err: error }, 'progress for SSE failed');
      } finally {
        clearInterval(heartbeat);
        res.end();
      }
    }),
  );
}
