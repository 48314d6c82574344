import { describe, expect, it } from 'vitest';
import { waitForQuiet } from './progress-watch.js';

describe('waitForQuiet', () => {
  it('returns at once when the last activity is already far enough back, or there was none (0)', async () => {
    const t0 = Date.now();
    await waitForQuiet(() => t0 - 10_000, 5_000, 60_000);
    await waitForQuiet(() => 0, 5_000, 60_000);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('waits until the activity is quietMs old, however recent it was when asked', async () => {
    const last = Date.now();
    await waitForQuiet(() => last, 300, 60_000);
    expect(Date.now() - last).toBeGreaterThanOrEqual(300);
  });

  it('gives up after maxMs while the activity goes on', async () => {
    const t0 = Date.now();
    await waitForQuiet(() => Date.now(), 5_000, 400);
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(400);
    expect(waited).toBeLessThan(5_000);
  });
});
