import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, insertNewline } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintKeymap } from '@codemirror/lint';
import { EditorState, Prec } from '@codemirror/state';
import { EditorView, highlightSpecialChars, keymap, placeholder } from '@codemirror/view';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';
import { useEffect, useRef } from 'preact/hooks';

// One completion source for every panel: it caches metric names and labels from this server's API.
const promql = new PromQLExtension().activateCompletion(true).activateLinter(true).setComplete({
  remote: { url: '', httpMethod: 'GET', lookbackInterval: 12 * 3600_000, cache: { maxAge: 5 * 60_000 } },
});

/**
 * The expression input: CodeMirror 6 with PromQL highlighting, linting and autocompletion of
 * metric names, label names and values (from /api/v1/labels, /label/.../values, /series and
 * /metadata) and functions. Enter runs the query, Shift+Enter starts a new line.
 *
 * Uncontrolled while the user types (`onChange` reports the text): `value` is the expression
 * from outside (the URL), written into the editor when it changes. Feeding the typed text back
 * as `value` would race with the keystrokes that follow it.
 */
export function PromqlEditor({ value, onChange, onExecute }: { value: string; onChange: (v: string) => void; onExecute: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  // The callbacks change every render; the editor is built once and reads them through refs.
  const latest = useRef({ onChange, onExecute });
  latest.current = { onChange, onExecute };

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          promql.asExtension(),
          autocompletion(),
          highlightSpecialChars(),
          history(),
          closeBrackets(),
          bracketMatching(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          EditorView.lineWrapping,
          placeholder('Expression (press Shift+Enter for newlines)'),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
          Prec.high(
            keymap.of([
              { key: 'Enter', run: () => (latest.current.onExecute(), true) },
              { key: 'Shift-Enter', run: insertNewline },
            ]),
          ),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) latest.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // Built once; a new `value` from outside is applied below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v !== undefined && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  return <div class="promql-editor" ref={host} data-testid="expression" />;
}
