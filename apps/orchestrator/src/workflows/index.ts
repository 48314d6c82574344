// The workflows the worker bundle contains (bundled with the SDK's bundler; see temporal/worker.ts).
export { campaignWorkflow, progressQuery, cancelSignal } from './campaign.js';
export type { CampaignInput, CampaignProgress } from './campaign.js';
export { searchWorkflow, searchProgressQuery, searchCancelSignal } from './search.js';
export type { SearchWorkflowInput, SearchProgress } from './search.js';
