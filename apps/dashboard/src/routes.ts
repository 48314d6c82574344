/**
 * The dashboard's routes, in the order of the navigation bar. Adding a view: write
 * views/Name.svelte (state from `urlState`, data from `resource`), then add it here.
 */
import type { Component } from 'svelte';
import Breakdown from './views/Breakdown.svelte';
import CampaignDetail from './views/CampaignDetail.svelte';
import Campaigns from './views/Campaigns.svelte';
import Compare from './views/Compare.svelte';
import Paper from './views/Paper.svelte';
import Search from './views/Search.svelte';
import Training from './views/Training.svelte';

export interface Route {
  pattern: string;
  title: string;
  /** Shown in the navigation bar. */
  nav: boolean;
  /** A view; those with path parameters (`:id`) take them as the `params` prop. */
  component: Component<{ params: Record<string, string> }> | Component<Record<string, never>>;
}

export const ROUTES: readonly Route[] = [
  { pattern: '/', title: 'Campaigns', nav: true, component: Campaigns },
  { pattern: '/campaigns/:id', title: 'Campaign', nav: false, component: CampaignDetail },
  { pattern: '/compare', title: 'Compare', nav: true, component: Compare },
  { pattern: '/breakdown', title: 'Breakdown', nav: true, component: Breakdown },
  { pattern: '/paper', title: 'Paper table', nav: true, component: Paper },
  { pattern: '/training', title: 'Training', nav: true, component: Training },
  { pattern: '/search', title: 'Search', nav: true, component: Search },
];
