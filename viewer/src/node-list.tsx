// A virtualised listbox of graph nodes: only the rows in view exist in the DOM, so 50k nodes
// scroll smoothly. Keyboard: arrows, Page Up/Down, Home/End move (and select); the active row
// is announced through aria-activedescendant.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { GraphTableNode } from '../../src/core/report/view-data.js';
import { nodeLabel } from './graph-canvas.js';

const ROW = 44;
const OVERSCAN = 6;

/** The list; `items` are node ids in display order, `selected` a node id or null. */
export function NodeList(props: {
  nodes: GraphTableNode[];
  items: number[];
  selected: number | null;
  onSelect: (id: number) => void;
  listRef?: { current: HTMLDivElement | null };
}) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(400);
  const index = props.selected === null ? -1 : props.items.indexOf(props.selected);

  useLayoutEffect(() => {
    if (props.listRef) props.listRef.current = box.current;
    const el = box.current;
    if (el === null) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight || 400));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Keep the selected row in view (after a click on the canvas or a key press).
  useEffect(() => {
    const el = box.current;
    if (el === null || index < 0) return;
    const y = index * ROW;
    if (y < el.scrollTop) el.scrollTop = y;
    else if (y + ROW > el.scrollTop + el.clientHeight) el.scrollTop = y + ROW - el.clientHeight;
  }, [index]);

  const move = (e: KeyboardEvent) => {
    const n = props.items.length;
    if (n === 0) return;
    const page = Math.max(1, Math.floor(height / ROW) - 1);
    const from = index < 0 ? -1 : index;
    const to = (
      {
        ArrowDown: from + 1,
        ArrowUp: from - 1,
        PageDown: from + page,
        PageUp: from - page,
        Home: 0,
        End: n - 1,
        Enter: Math.max(0, from),
      } as Record<string, number>
    )[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const id = props.items[Math.max(0, Math.min(n - 1, to))];
    if (id !== undefined) props.onSelect(id);
  };

  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(props.items.length, Math.ceil((top + height) / ROW) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const id = props.items[i] as number;
    const n = props.nodes[id];
    if (n === undefined) continue;
    const out = n.outputs[0];
    rows.push(
      <div
        key={id}
        id={`node-opt-${id}`}
        role="option"
        aria-selected={id === props.selected}
        class={`node-row kind-${n.kind}`}
        style={{ top: `${i * ROW}px` }}
        data-node={id}
        onClick={() => props.onSelect(id)}
      >
        <span class="row-main">
          <span class={`dot kind-${n.kind}`} aria-hidden="true" />
          {n.name}
        </span>
        <span class="row-sub">
          {n.kind === 'op' ? nodeLabel(n) : n.kind} {out ? `· ${out.dtype ?? '?'}[${out.shape?.join('×') ?? '?'}]` : ''}
        </span>
      </div>,
    );
  }
  return (
    <div
      ref={box}
      class="node-list"
      role="listbox"
      id="node-list"
      tabIndex={0}
      aria-label={`Graph nodes (${props.items.length})`}
      aria-activedescendant={index >= 0 ? `node-opt-${props.selected}` : undefined}
      onScroll={(e) => setTop(e.currentTarget.scrollTop)}
      onKeyDown={move}
    >
      <div role="presentation" class="node-list-inner" style={{ height: `${props.items.length * ROW}px` }}>
        {rows}
      </div>
    </div>
  );
}
