import { useEffect, useState } from 'preact/hooks';

/** A failed API call: the HTTP status and Prometheus' errorType and error when the body had them. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly path: string,
    readonly status: number,
    readonly errorType: string | undefined,
    message: string,
  ) {
    super(message);
  }

  /** The role does not serve this API (e.g. /api/v1/targets on `tidemark query`). */
  get notServed(): boolean {
    return this.status === 404 && this.errorType === undefined;
  }
}

export interface ApiAnswer<T> {
  readonly data: T;
  readonly warnings: readonly string[];
  /** Milliseconds from request to parsed answer. */
  readonly ms: number;
}

type Params = URLSearchParams | Record<string, string | number | undefined>;

function search(params: Params | undefined): string {
  if (params === undefined) return '';
  const p = params instanceof URLSearchParams ? params : new URLSearchParams();
  if (!(params instanceof URLSearchParams)) {
    for (const [k, v] of Object.entries(params)) if (v !== undefined) p.set(k, String(v));
  }
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

/**
 * GETs a Prometheus-style JSON API (`{status, data, warnings}`) on this origin; the browser sends
 * the credentials it was asked for (--web.config.file basic auth) as for the page.
 */
export async function apiGet<T>(path: string, params?: Params, signal?: AbortSignal): Promise<ApiAnswer<T>> {
  const t0 = performance.now();
  const res = await fetch(path + search(params), { signal, headers: { accept: 'application/json' } });
  const text = await res.text();
  let body: { status?: string; data?: T; warnings?: string[]; errorType?: string; error?: string } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (!res.ok || body?.status !== 'success') {
    const message = body?.error ?? (text.trim() || res.statusText);
    throw new ApiError(path, res.status, body?.errorType, `${path}: ${res.status} ${message}`);
  }
  return { data: body.data as T, warnings: body.warnings ?? [], ms: performance.now() - t0 };
}

export type Loaded<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly error: Error }
  | { readonly state: 'done'; readonly answer: ApiAnswer<T> };

/** Fetches `path` when the component mounts and whenever `key` changes; `reload` fetches again. */
export function useApi<T>(path: string, params?: Params, key = ''): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    apiGet<T>(path, params, abort.signal).then(
      (answer) => setLoaded({ state: 'done', answer }),
      (error: unknown) => {
        if (!abort.signal.aborted) setLoaded({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => abort.abort();
    // params are part of `key` by contract: callers pass a string that changes when they do.
  }, [path, key, generation]);
  return [loaded, () => setGeneration((g) => g + 1)];
}
