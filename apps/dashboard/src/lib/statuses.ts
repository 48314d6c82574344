/**
 * The API's campaign and job statuses and job kinds, as the dashboard uses them. The dashboard
 * keeps its own copy of the API's types (it is built for the browser and imports nothing of the
 * orchestrator); tests/orchestrator/dashboard-statuses.test.ts holds these lists to the
 * orchestrator's (store/campaigns.ts, store/jobs.ts, choices.ts), so a status added there fails
 * until it is added here. A module of plain data, so that test can import it outside a browser.
 */

/** `cancelling`: a cancel was sent and the campaign's running activities are stopping. */
export const CAMPAIGN_STATUSES = ['pending', 'running', 'cancelling', 'completed', 'failed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
const ACTIVE: ReadonlySet<CampaignStatus> = new Set(['pending', 'running', 'cancelling']);
const CANCELLABLE: ReadonlySet<CampaignStatus> = new Set(['pending', 'running']);
/** A campaign that has not ended: its figures still move. */
export const isActive = (status: CampaignStatus): boolean => ACTIVE.has(status);
/** A campaign a cancel can still reach (not one already cancelling). */
export const isCancellable = (status: CampaignStatus): boolean => CANCELLABLE.has(status);

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'reused', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const JOB_KINDS = ['sim', 'train', 'nas'] as const;
