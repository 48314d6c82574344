/**
 * The HTTP client against a real loopback server that drops connections: a GET is sent again when
 * its connection is reset (what a `fuselab up` whose event loop is held by training does to a
 * reused keep-alive connection), a POST never is, and a server that keeps resetting is reported.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpCampaignService } from './client.js';

let server: Server | undefined;

/** A server that destroys the socket of the first `resets` requests, then answers `{ ok: n }`. */
async function flakyServer(resets: number): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  server = createServer((request, response) => {
    requests++;
    if (requests <= resets) {
      request.socket.destroy();
      return;
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ campaignId: 'c', method: request.method, ok: requests }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('HttpCampaignService', () => {
  it('sends a GET again when the connection is reset', async () => {
    const flaky = await flakyServer(2);
    const detail = (await new HttpCampaignService(flaky.url).get('c')) as unknown as { ok: number };
    expect(detail.ok).toBe(3);
    expect(flaky.requests()).toBe(3);
  });

  it('gives up on a GET after 4 attempts', async () => {
    const flaky = await flakyServer(100);
    await expect(new HttpCampaignService(flaky.url).get('c')).rejects.toThrow(/fetch failed/);
    expect(flaky.requests()).toBe(4);
  });

  it('never sends a POST twice', async () => {
    const flaky = await flakyServer(1);
    await expect(new HttpCampaignService(flaky.url).cancel('c')).rejects.toThrow(/fetch failed/);
    expect(flaky.requests()).toBe(1);
  });
});
