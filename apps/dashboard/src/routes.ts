/**
 * The dashboard's routes: each path of route-list.ts with its view. Adding a view: write
 * views/Name.svelte (state from `urlState`, data from `resource`), add its path to route-list.ts
 * and its loader here (the record's type makes a missing one a compile error).
 *
 * Views are loaded on demand, each its own chunk: a page that draws no chart (the campaigns, the
 * paper table) does not parse ECharts at start-up, and the shell starts loading the current view
 * while it asks the API for the session, so the two overlap.
 */
import type { Component } from 'svelte';
import { ROUTE_LIST, type RoutePattern } from './route-list.ts';

/** A view; those with path parameters (`:id`) take them as the `params` prop. */
export type View = Component<{ params: Record<string, string> }> | Component<Record<string, never>>;

const LOADERS: Record<RoutePattern, () => Promise<{ default: View }>> = {
  '/': () => import('./views/Campaigns.svelte'),
  '/campaigns/:id': () => import('./views/CampaignDetail.svelte'),
  '/compare': () => import('./views/Compare.svelte'),
  '/breakdown': () => import('./views/Breakdown.svelte'),
  '/paper': () => import('./views/Paper.svelte'),
  '/training': () => import('./views/Training.svelte'),
  '/search': () => import('./views/Search.svelte'),
};

export interface Route {
  pattern: RoutePattern;
  title: string;
  /** Shown in the navigation bar. */
  nav: boolean;
  /** The view's component, loaded once (the same promise afterwards). */
  load: () => Promise<View>;
}

/** Loads once; a failed load (the server went away) is forgotten, so the next visit tries again. */
function once(loader: () => Promise<{ default: View }>): () => Promise<View> {
  let loading: Promise<View> | undefined;
  return () =>
    (loading ??= loader().then(
      (module) => module.default,
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    ));
}

export const ROUTES: readonly Route[] = ROUTE_LIST.map((route) => ({ ...route, load: once(LOADERS[route.pattern]) }));
