// The dashboard keeps its own copy of the API's status lists and job kinds (it imports nothing of
// the orchestrator): held here to the orchestrator's, so a status added on one side and not the
// other fails, and with it which statuses count as live and which a cancel can reach.
import { describe, expect, it } from 'vitest';
import { ACTIVE_STATUSES, CAMPAIGN_STATUSES, CANCELLABLE_STATUSES } from '../../apps/orchestrator/dist/store/campaigns.js';
import { JOB_STATUSES } from '../../apps/orchestrator/dist/store/jobs.js';
import { JOB_KINDS } from '../../apps/orchestrator/dist/choices.js';
import * as dashboard from '../../apps/dashboard/src/lib/statuses.ts';

describe('dashboard statuses', () => {
  it('are the orchestrator’s campaign statuses, job statuses and job kinds', () => {
    expect([...dashboard.CAMPAIGN_STATUSES].sort()).toEqual([...CAMPAIGN_STATUSES].sort());
    expect([...dashboard.JOB_STATUSES].sort()).toEqual([...JOB_STATUSES].sort());
    expect([...dashboard.JOB_KINDS].sort()).toEqual([...JOB_KINDS].sort());
  });

  it('call the same campaigns active and cancellable', () => {
    const active = new Set<string>(ACTIVE_STATUSES);
    const cancellable = new Set<string>(CANCELLABLE_STATUSES);
    for (const status of dashboard.CAMPAIGN_STATUSES) {
      expect(dashboard.isActive(status), status).toBe(active.has(status));
      expect(dashboard.isCancellable(status), status).toBe(cancellable.has(status));
    }
  });
});
