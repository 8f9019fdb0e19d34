import type { ComponentType } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { PageSpec } from '../pages';
import { interceptLinks, navigate, useRoute, type Route } from './router';

/** What every page gets: the location's query parameters and a way to change them. */
export interface PageProps {
  readonly params: URLSearchParams;
  /** Replaces the query string (a new history entry unless `replace`). */
  readonly setParams: (params: URLSearchParams, opts?: { replace?: boolean }) => void;
}

export type PageModule = { readonly default: ComponentType<PageProps> };

// One chunk per page file, loaded the first time the page is opened.
const load = (id: string): Promise<PageModule> => import(`./pages/${id}.tsx`) as Promise<PageModule>;

/** The app: navigation bar over the page the location names. */
export function Shell({ pages }: { pages: readonly PageSpec[] }) {
  const route = useRoute();
  const byPath = useMemo(() => new Map(pages.flatMap((p) => p.paths.map((path) => [path, p] as const))), [pages]);
  useEffect(() => interceptLinks(new Set(byPath.keys())), [byPath]);
  const page = byPath.get(route.path);
  useEffect(() => {
    document.title = page === undefined ? 'Tidemark' : `${page.title} - Tidemark`;
  }, [page]);
  return (
    <>
      <NavBar pages={pages} current={page} />
      <main class="page" data-page={page?.id ?? ''}>
        {page === undefined ? <p class="error">No page at {route.path}.</p> : <PageView key={page.id} spec={page} route={route} />}
      </main>
    </>
  );
}

function NavBar({ pages, current }: { pages: readonly PageSpec[]; current: PageSpec | undefined }) {
  const [open, setOpen] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (open === undefined) return;
    const close = () => setOpen(undefined);
    document.addEventListener('click', close);
    return () => document.removeEventListener('click', close);
  }, [open]);
  // Top-level links and menus in the order of their first page.
  const items: Array<PageSpec | { menu: string; pages: PageSpec[] }> = [];
  for (const p of pages) {
    if (p.menu === undefined) {
      items.push(p);
      continue;
    }
    const m = items.find((i): i is { menu: string; pages: PageSpec[] } => 'pages' in i && i.menu === p.menu);
    if (m === undefined) items.push({ menu: p.menu, pages: [p] });
    else m.pages.push(p);
  }
  return (
    <nav class="navbar">
      <a class="brand" href={pages[0]?.paths[0] ?? '/'}>
        Tidemark
      </a>
      {items.map((item) =>
        'pages' in item ? (
          <div class={`menu${open === item.menu ? ' open' : ''}`} key={item.menu}>
            <button
              type="button"
              class={item.pages.includes(current as PageSpec) ? 'active' : ''}
              aria-haspopup="true"
              aria-expanded={open === item.menu}
              onClick={(e) => {
                e.stopPropagation();
                setOpen(open === item.menu ? undefined : item.menu);
              }}
            >
              {item.menu} ▾
            </button>
            <div class="menu-items" role="menu">
              {item.pages.map((p) => (
                <a key={p.id} role="menuitem" href={p.paths[0]} class={p === current ? 'active' : ''} onClick={() => setOpen(undefined)}>
                  {p.title}
                </a>
              ))}
            </div>
          </div>
        ) : (
          <a key={item.id} href={item.paths[0]} class={item === current ? 'active' : ''}>
            {item.title}
          </a>
        ),
      )}
    </nav>
  );
}

function PageView({ spec, route }: { spec: PageSpec; route: Route }) {
  const [loaded, setLoaded] = useState<{ Page: ComponentType<PageProps> } | { error: Error } | undefined>(undefined);
  useEffect(() => {
    load(spec.id).then(
      (m) => setLoaded({ Page: m.default }),
      (err: unknown) => setLoaded({ error: err instanceof Error ? err : new Error(String(err)) }),
    );
  }, [spec.id]);
  if (loaded === undefined) return <p class="muted">Loading…</p>;
  if ('error' in loaded) return <p class="error">Cannot load the {spec.title} page: {loaded.error.message}</p>;
  const setParams = (params: URLSearchParams, opts: { replace?: boolean } = {}) => {
    const s = params.toString();
    navigate(route.path + (s === '' ? '' : `?${s}`), opts);
  };
  return <loaded.Page params={route.params} setParams={setParams} />;
}
