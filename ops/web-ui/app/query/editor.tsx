import { useEffect, useRef, useState } from 'preact/hooks';
import type { PromqlEditorView } from './promql-codemirror';

/**
 * The expression input (CodeMirror with PromQL completion, see promql-codemirror.ts), loaded
 * after the page has sent its first query; until then the expression shows as text.
 *
 * Uncontrolled while the user types (`onChange` reports the text): `value` is the expression
 * from outside (the URL), written into the editor when it changes. Feeding the typed text back
 * as `value` would race with the keystrokes that follow it.
 */
export function PromqlEditor({ value, onChange, onExecute }: { value: string; onChange: (v: string) => void; onExecute: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<PromqlEditorView | undefined>(undefined);
  const [state, setState] = useState<{ loaded: boolean; error?: string }>({ loaded: false });
  // The callbacks change every render; the editor is built once and reads them through refs.
  const latest = useRef({ value, onChange, onExecute });
  latest.current = { value, onChange, onExecute };

  useEffect(() => {
    let cancelled = false;
    import('./promql-codemirror').then(
      ({ createPromqlEditor }) => {
        if (cancelled) return;
        view.current = createPromqlEditor(host.current!, latest.current.value, {
          change: (text) => latest.current.onChange(text),
          execute: () => latest.current.onExecute(),
        });
        setState({ loaded: true });
      },
      (err: unknown) => setState({ loaded: false, error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      cancelled = true;
      view.current?.destroy();
      view.current = undefined;
    };
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v !== undefined && v.text() !== value) v.setText(value);
  }, [value]);

  return (
    <div class="promql-editor" data-testid="expression">
      {/* CodeMirror's own element: Preact renders nothing into it. */}
      <div ref={host} />
      {state.error !== undefined ? <span class="error">Cannot load the editor: {state.error}</span> : null}
      {!state.loaded && state.error === undefined ? <div class="loading-expression">{value}</div> : null}
    </div>
  );
}
