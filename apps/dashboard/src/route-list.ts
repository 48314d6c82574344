/**
 * The dashboard's paths, in the order of the navigation bar: the one list of them. The app's
 * router maps each to its view (routes.ts); the build writes them to dist/routes.json, from which
 * `fuselab up` answers index.html for exactly these paths (a copied link reopens the view, any
 * other path is a 404). No component imports here, so vite.config.ts can read it.
 */
export const ROUTE_LIST = [
  { pattern: '/', title: 'Campaigns', nav: true },
  { pattern: '/campaigns/:id', title: 'Campaign', nav: false },
  { pattern: '/compare', title: 'Compare', nav: true },
  { pattern: '/breakdown', title: 'Breakdown', nav: true },
  { pattern: '/paper', title: 'Paper table', nav: true },
  { pattern: '/training', title: 'Training', nav: true },
  { pattern: '/search', title: 'Search', nav: true },
] as const;

export type RoutePattern = (typeof ROUTE_LIST)[number]['pattern'];

/** The file the build writes beside index.html: `{ "patterns": ["/", "/campaigns/:id", …] }`. */
export const ROUTES_FILE = 'routes.json';
