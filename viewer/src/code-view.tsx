// Code: generated C sources, headers, Relay and TIR text, graph JSON and metadata.json in a
// read-only CodeMirror 6 editor, which draws only the visible lines (multi-MB files stay fast).
import { cpp } from '@codemirror/lang-cpp';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatBytes } from './format.js';
import type { CodeFile, Session } from './session.js';

// Colours chosen for at least 4.5:1 contrast on white and on the active-line tint (WCAG AA);
// CodeMirror's default style has a comment colour that fails it.
const HIGHLIGHT = HighlightStyle.define([
  { tag: [t.comment, t.lineComment, t.blockComment], color: '#4f6b35', fontStyle: 'italic' },
  { tag: [t.keyword, t.controlKeyword, t.modifier, t.operatorKeyword], color: '#7a1f8f' },
  { tag: [t.typeName, t.standard(t.typeName)], color: '#0b6b5c' },
  { tag: [t.string, t.character], color: '#a31515' },
  { tag: [t.number, t.bool, t.null], color: '#8a4b00' },
  { tag: [t.processingInstruction, t.meta], color: '#5b4a9e' },
  { tag: [t.function(t.variableName), t.function(t.definition(t.variableName))], color: '#1f4fa0' },
  { tag: t.macroName, color: '#5b4a9e' },
]);

function extensions(file: CodeFile): Extension[] {
  const base: Extension[] = [
    lineNumbers(),
    highlightActiveLine(),
    syntaxHighlighting(HIGHLIGHT),
    EditorState.readOnly.of(true),
    // tabindex makes the scrolling text reachable by keyboard (and so for screen readers).
    EditorView.contentAttributes.of({ 'aria-label': `Contents of ${file.path}`, tabindex: '0' }),
    keymap.of([]),
  ];
  // C-like highlighting also reads Relay and TIR text reasonably (calls, numbers, comments).
  return file.kind === 'graph' || file.kind === 'metadata' ? base : [...base, cpp()];
}

/** The code panel of one module. */
export function CodeView(props: { session: Session; module: string }) {
  const files = props.session.codeFiles(props.module);
  const [path, setPath] = useState<string | null>(null);
  const [status, setStatus] = useState<string>('');
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);

  useEffect(() => setPath(null), [props.session, props.module]);

  useEffect(() => {
    const file = files.find((f) => f.path === path);
    view.current?.destroy();
    view.current = null;
    if (file === undefined || host.current === null) return;
    let live = true;
    setStatus(`Reading ${file.path}…`);
    props.session.text(file.path).then((text) => {
      if (!live || host.current === null) return;
      if (text === null) {
        const reason = props.session.archiveError;
        setStatus(
          reason === undefined
            ? `This report was written without --embed-archive, so ${file.path} (${formatBytes(file.bytes)}) is not in it.`
            : `${file.path} is in the archive embedded in this report, which could not be loaded in this browser (${reason}).`,
        );
        return;
      }
      view.current = new EditorView({
        state: EditorState.create({ doc: text, extensions: extensions(file) }),
        parent: host.current,
      });
      setStatus(`${file.path}: ${text.split('\n').length} lines`);
    });
    return () => {
      live = false;
    };
  }, [path]);

  useEffect(() => () => view.current?.destroy(), []);

  if (files.length === 0) return <p class="empty">No code files for module {props.module}.</p>;
  return (
    <div class="code-view">
      <nav class="file-list" aria-label="Files">
        <ul>
          {files.map((f) => (
            <li key={f.path}>
              <button
                type="button"
                class="file-button"
                aria-current={f.path === path ? 'true' : undefined}
                data-path={f.path}
                onClick={() => setPath(f.path)}
              >
                <span class="mono">{f.path.slice(f.path.lastIndexOf('/') + 1)}</span>
                <span class="muted">
                  {f.kind} {f.bytes > 0 ? `· ${formatBytes(f.bytes)}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div class="code-main">
        <p class="muted" role="status" id="code-status">
          {path === null ? 'Choose a file.' : status}
        </p>
        <div class="code-host" ref={host} id="code-host" />
      </div>
    </div>
  );
}
