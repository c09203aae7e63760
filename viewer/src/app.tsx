// The viewer shell: open an archive (picker, drop, served URL, embedded report), pick a module
// and a view. Views stay mounted once visited so switching back is instant (the graph keeps its
// WebGL renderer and camera).
import { useEffect, useRef, useState } from 'preact/hooks';
import { CodeView } from './code-view.js';
import { GraphView } from './graph-view.js';
import { MemoryView } from './memory-view.js';
import { Overview } from './overview.js';
import { ParamsView } from './params-view.js';
import { type Boot, openBlob, openEmbedded, type Session, snapshotSession } from './session.js';
import { type TabSpec, Tabs } from './tabs.js';

const VIEWS: TabSpec[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'graph', label: 'Graph' },
  { id: 'memory', label: 'Memory' },
  { id: 'params', label: 'Params' },
  { id: 'code', label: 'Code' },
];

/** Views whose panel scrolls as a whole (graph and code scroll inside their own widgets). */
const SCROLLING = new Set(['overview', 'memory', 'params']);

const initialView = () => {
  const h = location.hash.replace(/^#/, '');
  return VIEWS.some((v) => v.id === h) ? h : 'overview';
};

/** Turns any thrown value into one readable line (MlfError: code, message and hint). */
function describeError(e: unknown): string {
  const err = e as { code?: string; message?: string; hint?: string };
  if (typeof err?.code === 'string' && err.code.startsWith('MLF-'))
    return `${err.code}: ${err.message ?? ''}${err.hint ? ` — ${err.hint}` : ''}`;
  return e instanceof Error ? e.message : String(e);
}

/** The whole page. */
export function App(props: { boot: Boot }) {
  const [session, setSession] = useState<Session | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [module, setModule] = useState('');
  const [view, setView] = useState(initialView);
  const [visited, setVisited] = useState<Set<string>>(() => new Set([initialView()]));
  const [dragging, setDragging] = useState(false);
  // The selected graph node, shared by the graph and the memory timeline.
  const [selection, setSelection] = useState<{ module: string; id: number } | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const load = async (label: string, open: () => Promise<Session>) => {
    setBusy(`Reading ${label}…`);
    setError(null);
    try {
      const s = await open();
      setSession(s);
      setSelection(null);
      setModule(Object.keys(s.report.modules)[0] ?? '');
      document.title = `${s.name} — MLF viewer`;
    } catch (e) {
      setError(`Could not open ${label}: ${describeError(e)}`);
    } finally {
      setBusy(null);
    }
  };
  const openFile = (f: File | undefined) => f !== undefined && load(f.name, () => openBlob(f, f.name));

  useEffect(() => {
    const b = props.boot;
    if (b.kind === 'url') {
      load(b.name, async () => {
        const res = await fetch(b.url);
        if (!res.ok) throw new Error(`HTTP ${res.status} for ${b.url}`);
        return openBlob(await res.blob(), b.name);
      });
    } else if (b.kind === 'report') {
      const archive = b.archive;
      load(b.snapshot.name, async () => {
        if (archive === null) return snapshotSession(b.snapshot);
        try {
          return await openEmbedded(archive(), b.snapshot);
        } catch (e) {
          // The summary mlf report recorded stays usable; say what is missing and why.
          const why = describeError(e);
          setError(
            `The archive embedded in this report could not be loaded in this browser (${why}). Shown: the summary, validation, graph and statistics recorded by mlf report; not available: code and weights beyond those statistics.`,
          );
          return snapshotSession(b.snapshot, why);
        }
      });
    }
  }, []);

  useEffect(() => {
    // The whole window is a drop target; dragover must be cancelled for drop to fire.
    const over = (e: DragEvent) => {
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => e.relatedTarget === null && setDragging(false);
    const drop = (e: DragEvent) => {
      e.preventDefault();
      setDragging(false);
      openFile(e.dataTransfer?.files[0]);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);

  const select = (id: string) => {
    setView(id);
    setVisited((v) => (v.has(id) ? v : new Set([...v, id])));
    history.replaceState(null, '', `#${id}`);
  };
  const modules = session === null ? [] : Object.keys(session.report.modules);
  const selected = selection !== null && selection.module === module ? selection.id : null;
  const onSelect = (id: number | null) => setSelection(id === null ? null : { module, id });

  return (
    <div class={`app${dragging ? ' dragging' : ''}`}>
      <header class="top">
        <h1>MLF viewer</h1>
        {session !== null && (
          <span class="file" title={session.name}>
            {session.name}
          </span>
        )}
        {modules.length > 0 && (
          <label class="module-pick">
            Module{' '}
            <select id="module-select" value={module} onChange={(e) => setModule(e.currentTarget.value)}>
              {modules.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        )}
        <span class="spacer" />
        <button type="button" class="open" onClick={() => input.current?.click()}>
          Open archive…
        </button>
        <input
          ref={input}
          id="file-input"
          type="file"
          accept=".tar,.tgz,.gz,.zst,.tar.gz,.tar.zst"
          aria-label="Open an MLF archive"
          hidden
          onChange={(e) => {
            openFile(e.currentTarget.files?.[0]);
            e.currentTarget.value = '';
          }}
        />
      </header>
      {busy !== null && (
        <p class="status" role="status">
          {busy}
        </p>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {session === null ? (
        <main class="landing">
          <div class="drop">
            <p class="big">Drop a Model Library Format archive here</p>
            <p>
              <code>.tar</code>, <code>.tgz</code> or <code>.tar.zst</code> — or use <strong>Open archive…</strong>
            </p>
            <p class="muted">The archive is read in this page. Nothing is uploaded.</p>
          </div>
        </main>
      ) : (
        <>
          <nav class="views">
            <Tabs tabs={VIEWS} active={view} onSelect={select} label="Views" />
          </nav>
          <main class="panels" data-module={module}>
            {VIEWS.filter((v) => visited.has(v.id)).map((v) => (
              <section
                key={v.id}
                id={`panel-${v.id}`}
                role="tabpanel"
                aria-labelledby={`tab-${v.id}`}
                hidden={v.id !== view}
                class={`panel panel-${v.id}`}
                // Panels that scroll as a whole take focus so keyboard users can scroll them.
                tabIndex={SCROLLING.has(v.id) ? 0 : undefined}
              >
                {v.id === 'overview' && <Overview session={session} module={module} />}
                {v.id === 'graph' && (
                  <GraphView
                    session={session}
                    module={module}
                    visible={view === 'graph'}
                    selected={selected}
                    onSelect={onSelect}
                  />
                )}
                {v.id === 'memory' && (
                  <MemoryView
                    session={session}
                    module={module}
                    visible={view === 'memory'}
                    selected={selected}
                    onSelect={onSelect}
                    onShowInGraph={() => select('graph')}
                  />
                )}
                {v.id === 'params' && <ParamsView session={session} module={module} />}
                {v.id === 'code' && <CodeView session={session} module={module} />}
              </section>
            ))}
          </main>
        </>
      )}
    </div>
  );
}
