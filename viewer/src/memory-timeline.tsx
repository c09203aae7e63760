// Memory over time: the live total per step as a stacked area (by what the buffers hold) over a
// row per buffer showing when it is live, on one canvas (fast for any number of steps). The
// chart is a slider over the steps: click, drag or use the arrow keys to pick one; the table
// below lists what is live there, and the step's operator is selected in the graph too.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  liveBytes,
  type MemoryBuffer,
  type MemoryBufferKind,
  type MemoryTimeline,
  peakLive,
} from '../../src/core/report/memory-timeline.js';
import { shortOpName } from '../../src/core/report/op-names.js';
import { formatBytes } from './format.js';

/** Colours of buffer kinds, shared with the AOT pool map. */
export const KIND_COLORS: Record<MemoryBufferKind, string> = {
  param: '#9aa1ab',
  input: '#1d7a45',
  activation: '#2f6fba',
  output: '#c05a00',
};
const KINDS: MemoryBufferKind[] = ['param', 'input', 'activation', 'output'];
/** Rows drawn for buffers (largest first); smaller ones are summed into the area only. */
const MAX_ROWS = 40;
const AREA_H = 150;
/** Space between the area and the buffer rows: step numbers. */
const AXIS_H = 30;
const ROW_H = 9;
const LEFT = 76;
const RIGHT = 12;

/** Props of {@link MemoryTimelineChart}. */
export interface MemoryTimelineProps {
  timeline: MemoryTimeline;
  /** Selected step, or null. */
  step: number | null;
  onStep: (step: number) => void;
  /** Leave params out (they are live the whole time). */
  hideParams: boolean;
}

/** The chart, its summary and the table of buffers live at the selected step. */
export function MemoryTimelineChart(props: MemoryTimelineProps) {
  const { timeline } = props;
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(600);
  const shown = useMemo(
    () => ({ ...timeline, buffers: timeline.buffers.filter((b) => !props.hideParams || b.kind !== 'param') }),
    [timeline, props.hideParams],
  );
  const byKind = useMemo(
    () =>
      KINDS.map((k) =>
        liveBytes({ steps: shown.steps, buffers: shown.buffers.filter((b) => (b.kind ?? 'activation') === k) }),
      ),
    [shown],
  );
  const total = useMemo(() => liveBytes(shown), [shown]);
  const peak = useMemo(() => peakLive(shown), [shown]);
  const rows = useMemo(() => {
    // One row per buffer id, largest ids first.
    const ids = new Map<number, MemoryBuffer[]>();
    for (const b of shown.buffers) ids.set(b.id, [...(ids.get(b.id) ?? []), b]);
    return [...ids.values()]
      .sort((a, b) => Math.max(...b.map((x) => x.bytes)) - Math.max(...a.map((x) => x.bytes)))
      .slice(0, MAX_ROWS);
  }, [shown]);
  const n = timeline.steps.length;
  const height = AREA_H + AXIS_H + rows.length * ROW_H + 8;

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(300, el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const xOf = (step: number) => LEFT + ((step + 0.5) / Math.max(1, n)) * (width - LEFT - RIGHT);
  const stepAt = (clientX: number) => {
    const r = canvas.current?.getBoundingClientRect();
    if (r === undefined || n === 0) return 0;
    const t = (clientX - r.left - LEFT) / (width - LEFT - RIGHT);
    return Math.max(0, Math.min(n - 1, Math.floor(t * n)));
  };

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (c === null || c === undefined || ctx === null || ctx === undefined) return;
    const ratio = window.devicePixelRatio || 1;
    c.width = Math.round(width * ratio);
    c.height = Math.round(height * ratio);
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    const max = Math.max(1, peak.bytes);
    const yOf = (b: number) => 8 + AREA_H - (b / max) * (AREA_H - 8);
    const colW = (width - LEFT - RIGHT) / Math.max(1, n);
    // Stacked area, one column per step.
    for (let i = 0; i < n; i++) {
      let base = 0;
      KINDS.forEach((k, ki) => {
        const v = (byKind[ki] as Float64Array)[i] as number;
        if (v <= 0) return;
        ctx.fillStyle = KIND_COLORS[k];
        const y0 = yOf(base);
        const y1 = yOf(base + v);
        ctx.fillRect(LEFT + i * colW, y1, Math.max(1, colW), y0 - y1);
        base += v;
      });
    }
    // Axis: 0 and the peak.
    ctx.fillStyle = '#444';
    ctx.strokeStyle = '#c5ccd4';
    ctx.beginPath();
    ctx.moveTo(LEFT, yOf(0) + 0.5);
    ctx.lineTo(width - RIGHT, yOf(0) + 0.5);
    ctx.moveTo(LEFT, yOf(max) + 0.5);
    ctx.lineTo(width - RIGHT, yOf(max) + 0.5);
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText(formatBytes(max), LEFT - 6, yOf(max) + 4);
    ctx.fillText('0', LEFT - 6, yOf(0) + 4);
    // Step numbers: the first, the last and a few between.
    ctx.textAlign = 'center';
    const ticks = Math.min(n, Math.max(2, Math.floor((width - LEFT - RIGHT) / 80)));
    for (let t = 0; t < ticks; t++) {
      const i = ticks === 1 ? 0 : Math.round((t * (n - 1)) / (ticks - 1));
      ctx.fillText(String(i + 1), xOf(i), yOf(0) + 14);
    }
    ctx.textAlign = 'right';
    ctx.fillText('step', LEFT - 6, yOf(0) + 14);
    // Buffer rows.
    const top = AREA_H + AXIS_H;
    ctx.fillText('buffers', LEFT - 6, top + ROW_H);
    rows.forEach((list, r) => {
      for (const b of list) {
        ctx.fillStyle = KIND_COLORS[b.kind ?? 'activation'];
        const x0 = LEFT + b.firstStep * colW;
        ctx.fillRect(x0, top + r * ROW_H, Math.max(2, (b.lastStep - b.firstStep + 1) * colW), ROW_H - 2);
      }
    });
    // The selected step.
    if (props.step !== null && props.step < n) {
      ctx.strokeStyle = '#d7263d';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(xOf(props.step), 4);
      ctx.lineTo(xOf(props.step), height - 2);
      ctx.stroke();
      ctx.lineWidth = 1;
    }
  }, [width, height, byKind, rows, props.step, peak]);

  const step = props.step;
  const live = useMemo(
    () =>
      step === null
        ? []
        : shown.buffers.filter((b) => b.firstStep <= step && step <= b.lastStep).sort((a, b) => b.bytes - a.bytes),
    [shown, step],
  );
  const label = (i: number) => {
    const s = timeline.steps[i];
    return s === undefined ? '' : `step ${i + 1} of ${n}: ${shortOpName(s.label)}, ${formatBytes(total[i])} live`;
  };
  const allocated = useMemo(() => {
    const best = new Map<number, number>();
    for (const b of shown.buffers) best.set(b.id, Math.max(best.get(b.id) ?? 0, b.bytes));
    return [...best.values()].reduce((a, b) => a + b, 0);
  }, [shown]);
  const dragging = useRef(false);

  return (
    <div class="timeline" ref={box}>
      <p class="muted" id="timeline-summary">
        Peak live{' '}
        <strong id="timeline-peak" data-bytes={peak.bytes}>
          {formatBytes(peak.bytes)}
        </strong>
        {peak.step >= 0 && ` at step ${peak.step + 1} (${shortOpName(timeline.steps[peak.step]?.label ?? '')})`}; all
        buffers together {formatBytes(allocated)}. {n} steps, {shown.buffers.length} live intervals
        {rows.length < new Set(shown.buffers.map((b) => b.id)).size ? ` (the ${MAX_ROWS} largest buffers drawn)` : ''}.
      </p>
      <p class="legend" aria-hidden="true">
        {KINDS.map((k) => (
          <span key={k} class="legend-item">
            <span class="swatch" style={{ background: KIND_COLORS[k] }} />
            {k === 'activation' ? 'intermediate' : k}
          </span>
        ))}
      </p>
      <canvas
        ref={canvas}
        id="memory-timeline"
        class="timeline-canvas"
        tabIndex={0}
        role="slider"
        aria-label="Memory over time: choose a step"
        aria-valuemin={1}
        aria-valuemax={Math.max(1, n)}
        aria-valuenow={step === null ? 1 : step + 1}
        aria-valuetext={step === null ? 'no step selected' : label(step)}
        onPointerDown={(e) => {
          dragging.current = true;
          e.currentTarget.setPointerCapture(e.pointerId);
          props.onStep(stepAt(e.clientX));
        }}
        onPointerMove={(e) => {
          if (dragging.current) props.onStep(stepAt(e.clientX));
          e.currentTarget.title = n === 0 ? '' : label(stepAt(e.clientX));
        }}
        onPointerUp={() => (dragging.current = false)}
        onKeyDown={(e) => {
          const cur = step ?? -1;
          const to = (
            {
              ArrowRight: cur + 1,
              ArrowLeft: cur - 1,
              Home: 0,
              End: n - 1,
              PageUp: cur - 10,
              PageDown: cur + 10,
            } as Record<string, number>
          )[e.key];
          if (to === undefined || n === 0) return;
          e.preventDefault();
          props.onStep(Math.max(0, Math.min(n - 1, to)));
        }}
      />
      {step !== null && timeline.steps[step] !== undefined && (
        <table class="grid compact" id="timeline-live">
          <caption>
            Live at step {step + 1}: <span class="mono">{timeline.steps[step]?.label}</span> —{' '}
            {formatBytes(total[step])}
          </caption>
          <thead>
            <tr>
              <th scope="col">buffer</th>
              <th scope="col">holds</th>
              <th scope="col">steps</th>
              <th scope="col" class="num">
                bytes
              </th>
            </tr>
          </thead>
          <tbody>
            {live.slice(0, 30).map((b) => (
              <tr key={`${b.id}-${b.firstStep}`} data-sid={b.id}>
                <td>
                  {b.pool !== undefined ? `${b.pool}+${b.offset ?? 0}` : `sid ${b.id}`}{' '}
                  <span class="muted">{b.kind === 'activation' ? 'intermediate' : b.kind}</span>
                </td>
                <td class="mono wrap">{b.label}</td>
                <td>
                  {b.firstStep + 1}–{b.lastStep + 1}
                </td>
                <td class="num" title={`${b.bytes} bytes`}>
                  {formatBytes(b.bytes)}
                </td>
              </tr>
            ))}
            {live.length > 30 && (
              <tr>
                <td colSpan={4} class="muted">
                  … {live.length - 30} more
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}
