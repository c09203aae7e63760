// Memory of an AOT module over its operator calls: which buffer sits at which byte offset of
// which region (a USMP pool, or the TVMBackendAllocWorkspace arena) from which call to which,
// and the workspace figure reconciled with metadata.json.
import type { AotBuffer, AotMain } from './aot-model.js';

/** One buffer held in a region over a span of steps (operator calls). */
export interface MemoryInterval {
  /** Buffer id in {@link AotMain.buffers}; null for an operator's own arena block. */
  buffer: number | null;
  name: string;
  kind: AotBuffer['kind'] | 'operator-workspace';
  /** A USMP pool name, or `workspace` for the runtime arena. */
  region: string;
  offset: number;
  bytes: number;
  /** First and last step (call index) during which the bytes are held, inclusive. */
  start: number;
  end: number;
}

/** A region buffers are placed in. */
export interface MemoryRegion {
  name: string;
  kind: 'workspace-pool' | 'constant-pool' | 'arena';
  /** Size the C declares (`static uint8_t global_workspace[42048]`); null when not declared in the C. */
  declaredBytes: number | null;
  /** Highest end offset of anything placed in it. */
  usedBytes: number;
}

/** The memory layout of one AOT module. */
export interface AotMemoryLayout {
  module: string;
  /** `usmp`: buffers at fixed pool offsets; `arena`: TVMBackendAllocWorkspace stack; `none`: no intermediates. */
  planner: 'usmp' | 'arena' | 'none';
  /** Steps in call order. */
  steps: { index: number; callee: string }[];
  regions: MemoryRegion[];
  intervals: MemoryInterval[];
  /** Buffers that could not be placed (size or offset unknown), with the reason. */
  unplaced: { buffer: number; name: string; reason: string }[];
  /**
   * Bytes held in workspace regions at each step (constant pools excluded): the union of the
   * live byte ranges, so bytes a call's scratch reuses from an input it consumed count once.
   */
  live: number[];
  peak: { bytes: number; step: number };
  /** The workspace figure as TVM computes it, against metadata.json's `workspace_size_bytes`. */
  workspace: { computedBytes: number; metadataBytes: number | null; how: string };
}

/** Options of {@link aotMemoryLayout}. */
export interface AotMemoryOptions {
  /** metadata `main[0].workspace_size_bytes`. */
  metadataWorkspaceBytes?: number | null;
  /** metadata `operator_functions`: workspace per function name, for operators whose body is not in the sources. */
  operatorWorkspace?: ReadonlyMap<string, number>;
}

const round16 = (n: number) => Math.ceil(n / 16) * 16;

/** Computes the layout: USMP slices where they are, arena blocks stacked in allocation order. */
export function aotMemoryLayout(main: AotMain, options: AotMemoryOptions = {}): AotMemoryLayout {
  const steps = main.calls.map((c) => ({ index: c.index, callee: c.callee }));
  const last = Math.max(0, steps.length - 1);
  const used = usage(main);
  const intervals: MemoryInterval[] = [];
  const unplaced: AotMemoryLayout['unplaced'] = [];
  const regions = new Map<string, MemoryRegion>();
  for (const p of main.pools) {
    regions.set(p.name, {
      name: p.name,
      kind: p.kind === 'constant' ? 'constant-pool' : 'workspace-pool',
      declaredBytes: p.bytes,
      usedBytes: 0,
    });
  }
  const place = (iv: MemoryInterval) => {
    intervals.push(iv);
    const r = regions.get(iv.region);
    if (r !== undefined) r.usedBytes = Math.max(r.usedBytes, iv.offset + iv.bytes);
  };

  // USMP: slices at their offsets, held from first to last use (scratch: during its call).
  for (const b of main.buffers) {
    if (b.pool === null || b.offset === null) continue;
    const span = used.get(b.id);
    if (span === undefined) continue;
    if (b.bytes === null) {
      unplaced.push({ buffer: b.id, name: b.name, reason: 'size unknown' });
      continue;
    }
    const constant = regions.get(b.pool)?.kind === 'constant-pool';
    place({
      buffer: b.id,
      name: b.name,
      kind: b.kind,
      region: b.pool,
      offset: b.offset,
      bytes: b.bytes,
      start: constant ? 0 : span[0],
      end: constant ? last : span[1],
    });
  }

  // Arena: blocks in allocation order on a stack; each call's own blocks on top while it runs.
  const blocks = main.buffers
    .filter((b) => b.alloc !== null)
    .sort((a, b) => (a.alloc?.order ?? 0) - (b.alloc?.order ?? 0));
  let mainBlocks = 0;
  if (blocks.length > 0 || main.calls.some((c) => (c.arenaBytes ?? 0) > 0)) {
    regions.set('workspace', { name: 'workspace', kind: 'arena', declaredBytes: null, usedBytes: 0 });
    // A sweep over the steps: frees, then allocations, before each call (a stack allocator).
    const top = new Array<number>(steps.length).fill(0);
    const allocs = new Map<number, AotBuffer[]>();
    const frees = new Map<number, number[]>();
    for (const b of blocks) {
      const alloc = b.alloc as NonNullable<AotBuffer['alloc']>;
      if (b.bytes === null) {
        unplaced.push({ buffer: b.id, name: b.name, reason: 'size unknown' });
        continue;
      }
      const at = Math.min(alloc.at, last);
      allocs.set(at, [...(allocs.get(at) ?? []), b]);
      if (alloc.freedAt !== null) frees.set(alloc.freedAt, [...(frees.get(alloc.freedAt) ?? []), b.id]);
    }
    const stack: { id: number; offset: number; bytes: number }[] = [];
    const end = () => {
      const x = stack[stack.length - 1];
      return x === undefined ? 0 : x.offset + x.bytes;
    };
    for (let s = 0; s <= last; s++) {
      for (const id of frees.get(s) ?? []) {
        const k = stack.findIndex((x) => x.id === id);
        if (k >= 0) stack.splice(k, 1);
      }
      for (const b of allocs.get(s) ?? []) {
        const size = round16(b.bytes as number);
        mainBlocks += size;
        const alloc = b.alloc as NonNullable<AotBuffer['alloc']>;
        const iv: MemoryInterval = {
          buffer: b.id,
          name: b.name,
          kind: b.kind,
          region: 'workspace',
          offset: end(),
          bytes: size,
          start: s,
          end: alloc.freedAt === null ? last : Math.max(s, alloc.freedAt - 1),
        };
        stack.push({ id: b.id, offset: iv.offset, bytes: size });
        place(iv);
      }
      top[s] = end();
    }
    main.calls.forEach((c, s) => {
      const bytes = c.arenaBytes ?? 0;
      if (bytes <= 0) return;
      place({
        buffer: null,
        name: `${c.callee} workspace`,
        kind: 'operator-workspace',
        region: 'workspace',
        offset: top[s] as number,
        bytes,
        start: s,
        end: s,
      });
    });
  }

  // Bytes held per step: the union of the byte ranges live in each workspace region. Within one
  // call USMP may place the call's scratch over an input the call has consumed, so summing
  // would count those bytes twice (and exceed the pool).
  const liveBytes = heldBytes(
    intervals.filter((iv) => regions.get(iv.region)?.kind !== 'constant-pool'),
    steps.length,
  );
  let peak = { bytes: 0, step: 0 };
  liveBytes.forEach((bytes, step) => {
    if (bytes > peak.bytes) peak = { bytes, step };
  });
  const pools = [...regions.values()].filter((r) => r.kind === 'workspace-pool');
  const planner = pools.length > 0 ? 'usmp' : blocks.length > 0 ? 'arena' : 'none';
  return {
    module: main.module,
    planner,
    steps,
    regions: [...regions.values()],
    intervals,
    unplaced,
    live: liveBytes,
    peak,
    workspace: workspaceFigure(main, pools, mainBlocks, options),
  };
}

/**
 * Bytes held at each step: per region, the length of the union of the live intervals' byte
 * ranges. Work is the sum of the intervals' lengths in steps (times a log for sorting).
 */
function heldBytes(intervals: readonly MemoryInterval[], steps: number): number[] {
  const starting = new Map<number, MemoryInterval[]>();
  for (const iv of intervals) starting.set(iv.start, [...(starting.get(iv.start) ?? []), iv]);
  let active: MemoryInterval[] = [];
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    active = [...active.filter((iv) => iv.end >= s), ...(starting.get(s) ?? [])];
    const sorted = [...active].sort((a, b) => a.region.localeCompare(b.region) || a.offset - b.offset);
    let total = 0;
    let region = '';
    let reach = 0;
    for (const iv of sorted) {
      if (iv.region !== region) {
        region = iv.region;
        reach = 0;
      }
      const from = Math.max(reach, iv.offset);
      const to = iv.offset + iv.bytes;
      if (to > from) total += to - from;
      reach = Math.max(reach, to);
    }
    out.push(total);
  }
  return out;
}

/** First and last call that uses each buffer (argument, constant or scratch). */
function usage(main: AotMain): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  const see = (id: number | null, s: number) => {
    if (id === null) return;
    const span = out.get(id);
    if (span === undefined) out.set(id, [s, s]);
    else span[1] = s;
  };
  for (const c of main.calls) {
    for (const a of c.args) see(a.buffer, c.index);
    for (const id of c.constants) see(id, c.index);
    for (const id of c.scratch) see(id, c.index);
  }
  return out;
}

/**
 * TVM's figure (docs/format.md §5.3): without USMP, the main's allocations (16-byte blocks) plus the
 * largest operator workspace; with USMP, the sizes of the workspace pools.
 */
function workspaceFigure(
  main: AotMain,
  pools: MemoryRegion[],
  mainBlocks: number,
  options: AotMemoryOptions,
): AotMemoryLayout['workspace'] {
  const metadataBytes = options.metadataWorkspaceBytes ?? null;
  if (pools.length > 0) {
    const computedBytes = pools.reduce((a, p) => a + (p.declaredBytes ?? p.usedBytes), 0);
    return {
      computedBytes,
      metadataBytes,
      how: `sum of the USMP workspace pools (${pools.map((p) => p.name).join(', ')})`,
    };
  }
  let opMax = 0;
  let opName = '';
  for (const c of main.calls) {
    const ws = c.workspaceBytes ?? options.operatorWorkspace?.get(c.callee) ?? 0;
    if (ws > opMax) {
      opMax = ws;
      opName = c.callee;
    }
  }
  return {
    computedBytes: mainBlocks + opMax,
    metadataBytes,
    how: `${mainBlocks} bytes the main allocates + ${opMax} bytes of the largest operator workspace${opName === '' ? '' : ` (${opName})`}`,
  };
}
