// The pool map of an AOT module: for each workspace region (a USMP pool, or the arena that
// TVMBackendAllocWorkspace stacks blocks in) a drawing with the operator calls across and the
// byte offsets down, one rectangle per buffer: where it sits and for which calls it is held.
// Clicking picks the call under the pointer, like the memory timeline.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AotMemoryLayout, MemoryInterval, MemoryRegion } from '../../src/core/graph/aot-memory.js';
import { shortOpName } from '../../src/core/report/op-names.js';
import { formatBytes } from './format.js';
import { KIND_COLORS } from './memory-timeline.js';

const LEFT = 76;
const RIGHT = 12;
const TOP = 6;
const MAP_H = 170;
const AXIS_H = 20;

const COLOR: Record<MemoryInterval['kind'], string> = {
  input: KIND_COLORS.input,
  output: KIND_COLORS.output,
  intermediate: KIND_COLORS.activation,
  scratch: '#7aa6dc',
  'operator-workspace': '#8a4fbf',
  constant: KIND_COLORS.param,
};

const KIND_LABEL: Record<MemoryInterval['kind'], string> = {
  input: 'input',
  output: 'output',
  intermediate: 'intermediate',
  scratch: "a call's scratch",
  'operator-workspace': "an operator's own block",
  constant: 'constant',
};

/** One region's map. */
function RegionMap(props: {
  layout: AotMemoryLayout;
  region: MemoryRegion;
  step: number | null;
  onStep: (step: number) => void;
}) {
  const { layout, region } = props;
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(300, el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const n = layout.steps.length;
  const size = Math.max(1, region.declaredBytes ?? region.usedBytes);
  const colW = (width - LEFT - RIGHT) / Math.max(1, n);
  const yOf = (offset: number) => TOP + (offset / size) * MAP_H;
  const intervals = layout.intervals.filter((iv) => iv.region === region.name);
  const step = props.step;
  const live = (iv: MemoryInterval) => step !== null && iv.start <= step && step <= iv.end;
  const stepAt = (clientX: number, svg: SVGSVGElement) => {
    const r = svg.getBoundingClientRect();
    const t = (clientX - r.left - LEFT) / (width - LEFT - RIGHT);
    return Math.max(0, Math.min(n - 1, Math.floor(t * n)));
  };
  const height = TOP + MAP_H + AXIS_H;
  const ticks = Math.min(n, Math.max(2, Math.floor((width - LEFT - RIGHT) / 80)));
  return (
    <div class="pool-map" ref={box} data-region={region.name}>
      <h3 class="mono">
        {region.name}{' '}
        <span class="muted">
          {region.kind === 'arena' ? 'TVMBackendAllocWorkspace arena' : 'USMP workspace pool'},{' '}
          {region.declaredBytes === null
            ? `${formatBytes(region.usedBytes)} used`
            : `${formatBytes(region.declaredBytes)} declared, ${formatBytes(region.usedBytes)} used`}
        </span>
      </h3>
      <svg
        width={width}
        height={height}
        class="pool-map-svg"
        role="img"
        aria-label={`Pool map of ${region.name}: ${intervals.length} buffers over ${n} calls, offsets 0 to ${size} bytes`}
        onClick={(e) => n > 0 && props.onStep(stepAt(e.clientX, e.currentTarget))}
      >
        <rect x={LEFT} y={TOP} width={width - LEFT - RIGHT} height={MAP_H} class="pool-map-bg" />
        {intervals.map((iv, i) => (
          <rect
            key={i}
            class="pool-map-buffer"
            data-buffer={iv.name}
            data-offset={iv.offset}
            data-live={live(iv) ? 'true' : undefined}
            x={LEFT + iv.start * colW}
            y={yOf(iv.offset)}
            width={Math.max(2, (iv.end - iv.start + 1) * colW - 1)}
            height={Math.max(1.5, (iv.bytes / size) * MAP_H)}
            fill={COLOR[iv.kind]}
            opacity={step === null || live(iv) ? 0.9 : 0.3}
          >
            <title>
              {`${iv.name} (${KIND_LABEL[iv.kind]}): ${iv.bytes} bytes at +${iv.offset}, calls ${iv.start + 1}–${iv.end + 1}`}
            </title>
          </rect>
        ))}
        {step !== null && step < n && (
          <line
            x1={LEFT + (step + 0.5) * colW}
            x2={LEFT + (step + 0.5) * colW}
            y1={2}
            y2={TOP + MAP_H + 4}
            class="pool-map-step"
          />
        )}
        <text x={LEFT - 6} y={TOP + 9} text-anchor="end" class="pool-map-axis">
          +0
        </text>
        <text x={LEFT - 6} y={TOP + MAP_H} text-anchor="end" class="pool-map-axis">
          {formatBytes(size)}
        </text>
        <text x={LEFT - 6} y={TOP + MAP_H + 15} text-anchor="end" class="pool-map-axis">
          call
        </text>
        {Array.from({ length: ticks }, (_, t) => {
          const i = ticks === 1 ? 0 : Math.round((t * (n - 1)) / (ticks - 1));
          return (
            <text key={t} x={LEFT + (i + 0.5) * colW} y={TOP + MAP_H + 15} text-anchor="middle" class="pool-map-axis">
              {i + 1}
            </text>
          );
        })}
      </svg>
    </div>
  );
}

/** Regions, the workspace figure against metadata.json, and a map per workspace region. */
export function PoolMap(props: {
  layout: AotMemoryLayout;
  /** Peak of the per-call sum the timeline draws, to explain when it exceeds what is held. */
  summedPeak: number;
  step: number | null;
  onStep: (step: number) => void;
}) {
  const { layout } = props;
  const ws = layout.workspace;
  const maps = layout.regions.filter((r) => r.kind !== 'constant-pool');
  const step = props.step === null ? null : layout.steps[props.step];
  return (
    <div class="pool-maps">
      <p class="muted" id="aot-planner">
        {layout.planner === 'usmp'
          ? 'USMP placed every buffer at a fixed offset of a pool: the map shows where each one sits and for which calls it is held.'
          : layout.planner === 'arena'
            ? 'The main takes blocks from the TVMBackendAllocWorkspace arena (a stack): the map shows them stacked in allocation order, with each operator’s own block on top during its call.'
            : 'The main needs no intermediate buffers.'}
      </p>
      <table class="grid compact" id="aot-regions">
        <caption>Regions</caption>
        <thead>
          <tr>
            <th scope="col">region</th>
            <th scope="col">kind</th>
            <th scope="col" class="num">
              declared
            </th>
            <th scope="col" class="num">
              used
            </th>
          </tr>
        </thead>
        <tbody>
          {layout.regions.map((r) => (
            <tr key={r.name} data-region={r.name}>
              <td class="mono">{r.name}</td>
              <td>{r.kind}</td>
              <td class="num">{r.declaredBytes === null ? '—' : formatBytes(r.declaredBytes)}</td>
              <td class="num" title={`${r.usedBytes} bytes`}>
                {formatBytes(r.usedBytes)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p id="aot-workspace" data-computed={ws.computedBytes} data-metadata={ws.metadataBytes ?? ''}>
        Workspace from the C: <strong>{formatBytes(ws.computedBytes)}</strong> ({ws.how}).{' '}
        {ws.metadataBytes === null ? (
          'metadata.json records no workspace figure.'
        ) : ws.metadataBytes === ws.computedBytes ? (
          <>metadata.json agrees ({formatBytes(ws.metadataBytes)}).</>
        ) : (
          <span class="warn" role="note">
            metadata.json says {formatBytes(ws.metadataBytes)} ({ws.metadataBytes} bytes, the C gives {ws.computedBytes}
            ): size the arena from the larger figure.
          </span>
        )}{' '}
        Most held at once: {formatBytes(layout.peak.bytes)} during call {layout.peak.step + 1}.
      </p>
      {props.summedPeak > layout.peak.bytes && (
        <p class="muted" id="aot-reuse">
          Within one call TVM may place the call’s scratch over an input it has already consumed, so the timeline above,
          which adds up the buffers of each call, peaks at {formatBytes(props.summedPeak)} while at most{' '}
          {formatBytes(layout.peak.bytes)} is held.
        </p>
      )}
      {layout.unplaced.length > 0 && (
        <p class="muted" id="aot-unplaced">
          Not placed: {layout.unplaced.map((u) => `${u.name} (${u.reason})`).join(', ')}.
        </p>
      )}
      <p class="legend" aria-hidden="true">
        {(Object.keys(COLOR) as MemoryInterval['kind'][])
          .filter((k) => layout.intervals.some((iv) => iv.kind === k && maps.some((r) => r.name === iv.region)))
          .map((k) => (
            <span key={k} class="legend-item">
              <span class="swatch" style={{ background: COLOR[k] }} />
              {KIND_LABEL[k]}
            </span>
          ))}
      </p>
      {step !== undefined && step !== null && (
        <p class="muted">
          Call {step.index + 1}: <span class="mono">{shortOpName(step.callee, 60)}</span>
        </p>
      )}
      {maps.map((r) => (
        <RegionMap key={r.name} layout={layout} region={r} step={props.step} onStep={props.onStep} />
      ))}
    </div>
  );
}
