/**
 * The web UI's pages: which product each belongs to, where it is served and how the navigation
 * bar shows it. Read by the server (which paths a role answers) and by the browser app (the
 * navigation bar, client-side routing). Each page's code is `app/pages/<id>.tsx`.
 */

/** A product whose pages a role serves: `tidemark up` all, `query` Prometheus', `notify` Alertmanager's, `ingest` Pushgateway's. */
export type WebUiApp = 'prometheus' | 'alertmanager' | 'pushgateway' | 'bus';

export interface PageSpec {
  /** The page's module: `ops/web-ui/app/pages/<id>.tsx`. */
  readonly id: string;
  readonly app: WebUiApp;
  /** The page's own path first; further paths are served by the same page (e.g. Prometheus 2's /graph). */
  readonly paths: readonly string[];
  /** Its link text in the navigation bar. */
  readonly title: string;
  /** Shown in the navigation bar's drop-down menu of this name, or as a top-level link when absent. */
  readonly menu?: string;
}

/** In navigation order; a role's home page (where `/` redirects) is the first of its pages. */
export const PAGES: readonly PageSpec[] = [
  { id: 'query', app: 'prometheus', paths: ['/query', '/graph'], title: 'Query' },
  { id: 'alerts', app: 'prometheus', paths: ['/alerts'], title: 'Alerts' },
  { id: 'targets', app: 'prometheus', paths: ['/targets'], title: 'Target health', menu: 'Status' },
  { id: 'rules', app: 'prometheus', paths: ['/rules'], title: 'Rule health', menu: 'Status' },
  { id: 'service-discovery', app: 'prometheus', paths: ['/service-discovery'], title: 'Service discovery', menu: 'Status' },
  { id: 'status', app: 'prometheus', paths: ['/status'], title: 'Runtime & build information', menu: 'Status' },
  { id: 'flags', app: 'prometheus', paths: ['/flags'], title: 'Command-line flags', menu: 'Status' },
  { id: 'config', app: 'prometheus', paths: ['/config'], title: 'Configuration', menu: 'Status' },
  { id: 'tsdb-status', app: 'prometheus', paths: ['/tsdb-status'], title: 'TSDB status', menu: 'Status' },
  { id: 'alertmanager-alerts', app: 'alertmanager', paths: ['/alertmanager', '/alertmanager/alerts'], title: 'Alerts', menu: 'Alertmanager' },
  { id: 'alertmanager-silences', app: 'alertmanager', paths: ['/alertmanager/silences'], title: 'Silences', menu: 'Alertmanager' },
  { id: 'alertmanager-silence-new', app: 'alertmanager', paths: ['/alertmanager/silences/new'], title: 'New silence', menu: 'Alertmanager' },
  { id: 'pushgateway', app: 'pushgateway', paths: ['/pushgateway'], title: 'Pushgateway' },
  { id: 'bus', app: 'bus', paths: ['/bus'], title: 'Bus' },
  { id: 'backfill', app: 'bus', paths: ['/backfill'], title: 'Backfill' },
];

/** The pages a role serves, in navigation order. */
export function pagesOf(apps: readonly WebUiApp[]): PageSpec[] {
  return PAGES.filter((p) => apps.includes(p.app));
}

/** The name of the `<meta>` element through which the server tells the app which pages it serves. */
export const PAGES_META = 'tidemark-pages';

/**
 * In the bundle's index.html, around the preloads of the first page's chunks: the server drops
 * them for a role whose first page is another one.
 */
export const PRELOAD_START = '<!--preload-->';
export const PRELOAD_END = '<!--/preload-->';

/** In the bundle's index.html, replaced by the server with the ids of the pages the role serves. */
export const PAGES_PLACEHOLDER = '__TIDEMARK_PAGES__';

/** Every product: what `tidemark up` serves. */
export const ALL_APPS: readonly WebUiApp[] = ['prometheus', 'alertmanager', 'pushgateway', 'bus'];
