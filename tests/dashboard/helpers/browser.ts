/**
 * Debian's Chromium driven by playwright-core (nothing downloads a browser), and what the
 * dashboard tests read from pages: rendered charts, their series, screenshots.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.FUSELAB_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of every view, for people to look at (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the chart whose test id starts with `prefix` has drawn its current option. */
export async function chartRendered(page: Page, prefix: string, timeout = 30_000): Promise<void> {
  await page.waitForSelector(`[data-testid^="chart-${prefix}"][data-rendered="true"]`, { timeout });
}

/**
 * Waits until the chart whose test id starts with `prefix` holds `count` series. The chart may be
 * absent or not yet drawn while the page fetches again (a variant ticked): that is waited out, not
 * an error, so the predicate reads it null-safe.
 */
export async function chartSeriesCount(page: Page, prefix: string, count: number, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    ([selector, n]) => {
      const el = document.querySelector(selector) as (HTMLElement & { fuselabChart?: { getOption(): { series?: unknown[] } } }) | null;
      return el?.fuselabChart?.getOption().series?.length === n;
    },
    [`[data-testid^="chart-${prefix}"]`, count] as const,
    { timeout },
  );
}

export interface DrawnSeries {
  id: string;
  name: string;
  type: string;
  data: unknown[];
}

/** What the ECharts instance of that chart holds (its merged option), as the page sees it. */
export function chartOption(page: Page, prefix: string): Promise<{ series: DrawnSeries[]; xAxis: Array<{ data?: string[] }> }> {
  return page.$eval(`[data-testid^="chart-${prefix}"]`, (el) => {
    const chart = (el as HTMLElement & { fuselabChart: { getOption(): { series: DrawnSeries[]; xAxis: Array<{ data?: string[] }> } } })
      .fuselabChart;
    const option = chart.getOption();
    return {
      series: option.series.map((s) => ({ id: s.id, name: s.name, type: s.type, data: s.data })),
      xAxis: option.xAxis.map((x) => ({ data: x.data })),
    };
  });
}

/** Where on the page a chart draws `value` of its first series (a scatter point), for the mouse. */
export async function pointOnChart(page: Page, prefix: string, value: number[]): Promise<{ x: number; y: number }> {
  const chart = page.locator(`[data-testid^="chart-${prefix}"]`);
  const [x, y] = await chart.evaluate(
    (el, at) =>
      (el as HTMLElement & { fuselabChart: { convertToPixel(finder: object, value: number[]): number[] } }).fuselabChart.convertToPixel(
        { seriesIndex: 0 },
        at,
      ),
    value,
  );
  const box = (await chart.boundingBox())!;
  return { x: box.x + x!, y: box.y + y! };
}

/** Collects uncaught page errors and console errors, so a test can require none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource|net::ERR_/.test(message.text())) errors.push(`console: ${message.text()}`);
  });
  return errors;
}
