// A bar chart on uPlot's canvas (fast for thousands of bars), with a text summary for screen
// readers. `x` may be ordinal (indices with labels) or numeric (histogram bin centres).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/** Props of {@link BarChart}. */
export interface BarChartProps {
  id: string;
  title: string;
  x: number[];
  y: number[];
  /** Name of the x value in the hover readout, e.g. `storage id`. */
  xName: string;
  xLabel: (x: number) => string;
  yLabel: (y: number) => string;
  /** One sentence for assistive technology. */
  summary: string;
  height?: number;
  color?: string;
}

/** A uPlot bar chart that follows its container's width. */
export function BarChart(props: BarChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null || props.x.length === 0) return;
    const color = props.color ?? '#2f6fba';
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 220,
      legend: { show: true, live: true },
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: false, range: (_u, lo, hi) => [lo - 0.5 * step(props.x), hi + 0.5 * step(props.x)] } },
      axes: [
        { values: (_u, splits) => splits.map((v) => props.xLabel(v)), stroke: '#444', grid: { show: false } },
        {
          values: (_u, splits) => splits.map((v) => props.yLabel(v)),
          stroke: '#444',
          size: 70,
          grid: { stroke: '#e3e6ea' },
        },
      ],
      series: [
        { label: props.xName, value: (_u, v) => (v === null ? '—' : props.xLabel(v)) },
        {
          label: props.title,
          fill: `${color}cc`,
          stroke: color,
          width: 0,
          points: { show: false },
          paths: uPlot.paths.bars?.({ size: [0.85, 80] }),
          value: (_u, v) => (v === null ? '—' : props.yLabel(v)),
        },
      ],
    };
    const plot = new uPlot(opts, [props.x, props.y], el);
    const ro = new ResizeObserver(
      () => el.clientWidth > 0 && plot.setSize({ width: el.clientWidth, height: props.height ?? 220 }),
    );
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [props.x, props.y]);
  return (
    <figure class="chart" id={props.id}>
      <figcaption>{props.title}</figcaption>
      <div ref={box} class="chart-box" role="img" aria-label={props.summary} />
    </figure>
  );
}

function step(x: number[]): number {
  return x.length > 1 ? Math.abs((x[1] as number) - (x[0] as number)) : 1;
}
