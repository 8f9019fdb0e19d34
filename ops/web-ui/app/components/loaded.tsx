import type { ComponentChildren } from 'preact';
import type { ApiError, Loaded } from '../api';

/** Renders an API answer: a loading line, the error (saying when the role does not serve the API), or `children(data)`. */
export function LoadedView<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T, warnings: readonly string[]) => ComponentChildren }) {
  if (loaded.state === 'loading') return <p class="muted">Loading…</p>;
  if (loaded.state === 'error') {
    const err = loaded.error as Partial<ApiError>;
    if (err.notServed === true) return <p class="notice">This Tidemark role does not serve {err.path}; open the UI of the role that does.</p>;
    return <p class="error">{loaded.error.message}</p>;
  }
  return (
    <>
      {loaded.answer.warnings.map((w) => (
        <p class="warning" key={w}>
          Warning: {w}
        </p>
      ))}
      {children(loaded.answer.data, loaded.answer.warnings)}
    </>
  );
}
