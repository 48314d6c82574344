/** Number and time formatting shared by tables, tooltips and exports. */
export const integer = (value: number | null | undefined) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : Math.round(value).toLocaleString('en-US');
export const fixed = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
export const millions = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined ? '–' : (value / 1e6).toFixed(digits);

/** "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function durationBetween(start: string | null | undefined, end: string | null | undefined, now = Date.now()): number | null {
  if (!start) return null;
  return (end ? Date.parse(end) : now) - Date.parse(start);
}

/** Array sizes as the API and CLI spell them. */
export const arrayLabel = (rows: number, cols: number) => `${rows}x${cols}`;

export function parseArray(text: string): { rows: number; cols: number } | null {
  const match = /^(\d+)(?:x(\d+))?$/i.exec(text.trim());
  if (!match) return null;
  const rows = Number(match[1]);
  return { rows, cols: match[2] ? Number(match[2]) : rows };
}

/**
 * A running training writes a sign of life to its job row every 15 s (the orchestrator's
 * JOB_TOUCH_EVERY_MS); silent past this, its worker is most likely gone. Temporal retries the attempt
 * on a worker polling fuselab-train once the 30 s heartbeat timeout passes — and never, if none does,
 * while the row still reads `running`.
 */
export const SILENT_AFTER_MS = 90_000;

/** How long a running training has been silent, past SILENT_AFTER_MS; null while it is not (or is no training). */
export function silentFor(
  job: { kind: string; status: string; startedAt: string | null; heartbeatAt?: string | null | undefined },
  now: number,
): number | null {
  if (job.kind !== 'train' || job.status !== 'running' || !job.startedAt) return null;
  const last = Math.max(Date.parse(job.startedAt), job.heartbeatAt ? Date.parse(job.heartbeatAt) : 0);
  const silent = now - last;
  return silent > SILENT_AFTER_MS ? silent : null;
}
