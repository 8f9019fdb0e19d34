import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, insertNewline } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintKeymap } from '@codemirror/lint';
import { EditorState, Prec } from '@codemirror/state';
import { EditorView, highlightSpecialChars, keymap, placeholder } from '@codemirror/view';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';

// One completion source for every panel: it caches metric names and labels from this server's API.
const promql = new PromQLExtension().activateCompletion(true).activateLinter(true).setComplete({
  remote: { url: '', httpMethod: 'GET', lookbackInterval: 12 * 3600_000, cache: { maxAge: 5 * 60_000 } },
});

export interface PromqlEditorView {
  /** The text in the editor. */
  text(): string;
  /** Replaces the text (no change notification). */
  setText(text: string): void;
  destroy(): void;
}

/**
 * CodeMirror 6 with PromQL highlighting, linting and autocompletion of metric names, label
 * names and values (from /api/v1/labels, /label/.../values, /series and /metadata) and
 * functions. Enter calls `execute`, Shift+Enter starts a new line. Its own chunk: the query page
 * shows its first result without waiting for the editor's code.
 */
export function createPromqlEditor(parent: Element, doc: string, on: { change(text: string): void; execute(): void }): PromqlEditorView {
  let quiet = false;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
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
            { key: 'Enter', run: () => (on.execute(), true) },
            { key: 'Shift-Enter', run: insertNewline },
          ]),
        ),
        EditorView.updateListener.of((u) => {
          if (u.docChanged && !quiet) on.change(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    text: () => view.state.doc.toString(),
    setText: (text) => {
      quiet = true;
      try {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
      } finally {
        quiet = false;
      }
    },
    destroy: () => view.destroy(),
  };
}
