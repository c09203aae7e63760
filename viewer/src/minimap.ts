// A minimap: the whole drawing in a corner (one canvas, boxes as filled rectangles) with the
// visible part outlined. Click or drag on it to move the view there.

/** A rectangle in drawing units. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** What the minimap shows: boxes with colours inside `bounds`. */
export interface MinimapContent {
  bounds: Rect;
  boxes: { x: number; y: number; w: number; h: number; color: string }[];
}

/** The minimap's handle. */
export interface Minimap {
  /** Outlines the visible part of the drawing. */
  setViewport(view: Rect): void;
  /** Shows or hides it (hidden while the whole drawing is in view). */
  show(on: boolean): void;
  destroy(): void;
}

const MAX_W = 120;
const MAX_H = 160;

/** Adds a minimap to `host`; `onJump` gets the drawing point to centre on. */
export function createMinimap(
  host: HTMLElement,
  content: MinimapContent,
  onJump: (x: number, y: number) => void,
): Minimap {
  const { bounds } = content;
  const scale = Math.min(MAX_W / Math.max(1, bounds.w), MAX_H / Math.max(1, bounds.h));
  // A very deep (or wide) graph would be a hairline: it is stretched across at least 48 px.
  const sx = Math.max(scale, 48 / Math.max(1, bounds.w));
  const sy = Math.max(scale, 48 / Math.max(1, bounds.h));
  const w = Math.ceil(bounds.w * sx);
  const h = Math.ceil(bounds.h * sy);
  const ratio = window.devicePixelRatio || 1;
  const canvas = document.createElement('canvas');
  canvas.className = 'minimap';
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  canvas.setAttribute('aria-hidden', 'true');
  canvas.title = 'Overview: click or drag to move the view';
  host.appendChild(canvas);

  // The boxes are drawn once into a backing canvas; each view change only copies it back.
  const back = document.createElement('canvas');
  back.width = canvas.width;
  back.height = canvas.height;
  const bctx = back.getContext('2d');
  if (bctx !== null) {
    bctx.scale(ratio, ratio);
    bctx.fillStyle = '#ffffff';
    bctx.fillRect(0, 0, w, h);
    for (const b of content.boxes) {
      bctx.fillStyle = b.color;
      bctx.fillRect((b.x - bounds.x) * sx, (b.y - bounds.y) * sy, Math.max(1, b.w * sx), Math.max(1, b.h * sy));
    }
  }
  const ctx = canvas.getContext('2d');
  let last: Rect | null = null;
  const draw = () => {
    if (ctx === null) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(back, 0, 0);
    if (last === null) return;
    ctx.scale(ratio, ratio);
    ctx.strokeStyle = '#d7263d';
    ctx.lineWidth = 1.5;
    ctx.fillStyle = 'rgba(215, 38, 61, 0.08)';
    // At least 3 px, so a small view of a huge graph still shows where it is.
    const vw = Math.max(3, last.w * sx);
    const vh = Math.max(3, last.h * sy);
    const x = (last.x - bounds.x) * sx + (last.w * sx - vw) / 2;
    const y = (last.y - bounds.y) * sy + (last.h * sy - vh) / 2;
    ctx.fillRect(x, y, vw, vh);
    ctx.strokeRect(x, y, vw, vh);
  };

  let dragging = false;
  const jump = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    onJump(bounds.x + (e.clientX - r.left) / sx, bounds.y + (e.clientY - r.top) / sy);
  };
  canvas.addEventListener('pointerdown', (e) => {
    e.stopPropagation();
    dragging = true;
    canvas.setPointerCapture(e.pointerId);
    jump(e);
  });
  canvas.addEventListener('pointermove', (e) => dragging && jump(e));
  canvas.addEventListener('pointerup', () => (dragging = false));
  canvas.addEventListener('wheel', (e) => e.stopPropagation(), { passive: true });
  return {
    setViewport(view) {
      last = view;
      draw();
    },
    show(on) {
      canvas.hidden = !on;
    },
    destroy() {
      canvas.remove();
    },
  };
}
