/**
 * The tab's one server-sent-events stream (GET /api/events): the campaign list whenever it changes
 * and the progress of each running campaign. Views read `live.campaigns` / `live.progress` and
 * re-fetch their details when `live.tick` moves. EventSource reconnects by itself; the server's
 * heartbeats keep proxies from closing an idle stream.
 */
import type { Campaign, Progress } from './api.ts';

class Live {
  campaigns = $state<Campaign[] | null>(null);
  progress = $state<Record<string, Progress>>({});
  /** Increments on every event, so views can re-fetch what the event does not carry. */
  tick = $state(0);
  connected = $state(false);
  private source: EventSource | null = null;

  start() {
    if (this.source) return;
    const source = new EventSource('/api/events', { withCredentials: true });
    this.source = source;
    source.onopen = () => {
      this.connected = true;
    };
    source.onerror = () => {
      this.connected = false;
    };
    source.addEventListener('campaigns', (event) => {
      this.campaigns = JSON.parse((event as MessageEvent<string>).data) as Campaign[];
      this.tick++;
    });
    source.addEventListener('progress', (event) => {
      const progress = JSON.parse((event as MessageEvent<string>).data) as Progress;
      this.progress = { ...this.progress, [progress.campaignId]: progress };
      this.tick++;
    });
  }

  stop() {
    this.source?.close();
    this.source = null;
    this.connected = false;
  }
}

export const live = new Live();
