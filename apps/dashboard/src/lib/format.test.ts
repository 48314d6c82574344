import { describe, expect, it } from 'vitest';
import { SILENT_AFTER_MS, silentFor } from './format.ts';

describe('silentFor (a running training whose worker has said nothing for long)', () => {
  const start = '2026-11-30T10:00:00.000Z';
  const at = (iso: string, ms: number) => Date.parse(iso) + ms;
  const job = { kind: 'train', status: 'running', startedAt: start, heartbeatAt: null as string | null };

  it('counts from the start until a sign of life, then from the latest one', () => {
    expect(silentFor(job, at(start, SILENT_AFTER_MS))).toBeNull();
    expect(silentFor(job, at(start, SILENT_AFTER_MS + 1))).toBe(SILENT_AFTER_MS + 1);
    const touched = { ...job, heartbeatAt: '2026-11-30T10:05:00.000Z' };
    expect(silentFor(touched, at(start, 6 * 60_000))).toBeNull();
    expect(silentFor(touched, at('2026-11-30T10:05:00.000Z', 2 * 60_000))).toBe(2 * 60_000);
  });

  it('says nothing of jobs that are not running trainings', () => {
    const late = at(start, 60 * 60_000);
    expect(silentFor({ ...job, status: 'completed' }, late)).toBeNull();
    expect(silentFor({ ...job, kind: 'sim' }, late)).toBeNull();
    expect(silentFor({ ...job, startedAt: null }, late)).toBeNull();
  });
});
