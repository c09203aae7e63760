// A WAI-ARIA tablist: Left/Right/Home/End move between tabs and activate them, Tab leaves.
import { useRef } from 'preact/hooks';

/** One tab: its id (also the panel's suffix) and label. */
export interface TabSpec {
  id: string;
  label: string;
}

/** Tabs controlling panels whose ids are `panel-<id>`. */
export function Tabs(props: { tabs: TabSpec[]; active: string; onSelect: (id: string) => void; label: string }) {
  const list = useRef<HTMLDivElement>(null);
  const move = (e: KeyboardEvent, index: number) => {
    const n = props.tabs.length;
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1 + n, Home: 0, End: n - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const tab = props.tabs[next % n];
    if (tab === undefined) return;
    props.onSelect(tab.id);
    list.current?.querySelector<HTMLElement>(`#tab-${tab.id}`)?.focus();
  };
  return (
    <div class="tabs" role="tablist" aria-label={props.label} ref={list}>
      {props.tabs.map((t, i) => (
        <button
          key={t.id}
          id={`tab-${t.id}`}
          role="tab"
          type="button"
          aria-selected={t.id === props.active}
          aria-controls={`panel-${t.id}`}
          tabIndex={t.id === props.active ? 0 : -1}
          onClick={() => props.onSelect(t.id)}
          onKeyDown={(e) => move(e, i)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
