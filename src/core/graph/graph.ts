import type { MlfCode } from '../errors/codes.js';
import { parseDType } from '../params/dtype.js';
import { type Diagnostic, diagnostic, MlfError } from '../errors/errors.js';
import { isRecord, jsonPath, parseJsonText, utf8Length } from '../common/json.js';
import { type Limits, resolveLimits } from '../common/limits.js';

/** `[node_id, output_index, version]`; TVM also accepts two elements. */
export type NodeEntry = [number, number, number] | [number, number];

/** A graph node as TVM writes it (wire names, string-valued attrs). */
export interface GraphNode {
  op: string;
  name: string;
  inputs: NodeEntry[];
  attrs?: Record<string, string>;
  [key: string]: unknown;
}

/** Graph-executor JSON (docs/format.md §7), kept as parsed so writers can round-trip it. */
export interface GraphJson {
  nodes: GraphNode[];
  arg_nodes: number[];
  heads: NodeEntry[];
  node_row_ptr: number[];
  attrs: {
    shape: ['list_shape', number[][]];
    storage_id: ['list_int', number[]];
    dltype: ['list_str', string[]];
    device_index?: ['list_int', number[]];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Options for {@link parseGraph} and {@link checkGraph}. */
export interface GraphOptions {
  /** Archive member name for locations. */
  member?: string;
  limits?: Partial<Limits>;
}

/**
 * Parses graph JSON text and checks its structure; throws the first problem as `MlfError`
 * (E301 bad JSON, E302-E307 structure).
 */
export function parseGraph(text: string, options: GraphOptions = {}): GraphJson {
  const limits = resolveLimits(options.limits);
  const where = options.member === undefined ? {} : { member: options.member };
  const bytes = utf8Length(text);
  if (bytes > limits.maxGraphBytes) {
    throw new MlfError('MLF-E009', `graph: ${bytes} bytes exceeds the limit of ${limits.maxGraphBytes}`, where);
  }
  const raw = parseJsonText(text, 'graph', 'MLF-E301', options.member, options.limits);
  const { graph, diagnostics } = checkGraph(raw, options);
  const first = diagnostics.find((d) => d.severity === 'error');
  if (first !== undefined || graph === undefined) {
    throw new MlfError(first?.code ?? 'MLF-E302', first?.message ?? 'graph: invalid', first ?? where);
  }
  return graph;
}

/**
 * Checks the structure of parsed graph JSON: node_row_ptr, node inputs, arg_nodes, heads,
 * attrs lengths, dltypes and storage ids. Returns every problem found; `graph` is set only when
 * the structure is sound enough for the other functions of this module.
 */
export function checkGraph(raw: unknown, options: GraphOptions = {}): { graph?: GraphJson; diagnostics: Diagnostic[] } {
  const limits = resolveLimits(options.limits);
  const out: Diagnostic[] = [];
  let unlisted = 0; // a graph of a million bad entries must not give a million diagnostics
  const add = (code: MlfCode, message: string, path: PropertyKey[]) => {
    if (out.length < MAX_DIAGNOSTICS)
      out.push(diagnostic(code, `graph: ${message}`, { member: options.member, jsonPath: jsonPath(path) }));
    else unlisted++;
  };
  if (!isRecord(raw)) {
    add('MLF-E302', 'top level must be an object', []);
    return { diagnostics: out };
  }
  for (const key of ['nodes', 'arg_nodes', 'heads', 'node_row_ptr'] as const) {
    if (!Array.isArray(raw[key])) add('MLF-E302', `"${key}" must be an array`, [key]);
  }
  if (!isRecord(raw.attrs)) add('MLF-E302', '"attrs" must be an object', ['attrs']);
  if (out.length > 0) return { diagnostics: out };
  const nodes = raw.nodes as unknown[];
  if (nodes.length > limits.maxGraphNodes) {
    add('MLF-E009', `${nodes.length} nodes exceeds the limit of ${limits.maxGraphNodes}`, ['nodes']);
    return { diagnostics: out };
  }

  // node_row_ptr gives each node's first entry id; everything else is indexed by entry.
  const rowPtr = raw.node_row_ptr as unknown[];
  let rowOk = rowPtr.length === nodes.length + 1 && rowPtr[0] === 0;
  for (let i = 0; rowOk && i < rowPtr.length; i++) {
    const v = rowPtr[i];
    if (!isIndex(v) || (i > 0 && v < (rowPtr[i - 1] as number))) rowOk = false;
  }
  if (!rowOk) {
    add('MLF-E303', `node_row_ptr must be ${nodes.length + 1} non-decreasing integers starting at 0`, ['node_row_ptr']);
    return { diagnostics: out };
  }
  const numEntries = rowPtr[nodes.length] as number;
  const outputsOf = (nid: number) => (rowPtr[nid + 1] as number) - (rowPtr[nid] as number);

  const nullNodes = new Set<number>();
  nodes.forEach((node, i) => {
    if (
      !isRecord(node) ||
      typeof node.op !== 'string' ||
      typeof node.name !== 'string' ||
      !Array.isArray(node.inputs)
    ) {
      add('MLF-E302', `node ${i} needs string "op", string "name" and array "inputs"`, ['nodes', i]);
      return;
    }
    if (node.op === 'null') {
      nullNodes.add(i);
      if (outputsOf(i) !== 1)
        add('MLF-E303', `null node ${i} must have exactly one output, node_row_ptr gives ${outputsOf(i)}`, [
          'node_row_ptr',
          i,
        ]);
    } else {
      checkOpNode(node, i, outputsOf(i), add);
    }
    node.inputs.forEach((e: unknown, k: number) => {
      if (!isEntry(e))
        return add('MLF-E302', `node ${i} input ${k} must be [node_id, index, version]`, ['nodes', i, 'inputs', k]);
      // The executor runs nodes in order, so inputs must come from earlier nodes.
      if (e[0] >= i)
        return add('MLF-E304', `node ${i} input ${k} refers to node ${e[0]}, which does not come before it`, [
          'nodes',
          i,
          'inputs',
          k,
        ]);
      if (e[1] >= outputsOf(e[0]))
        add('MLF-E304', `node ${i} input ${k} refers to output ${e[1]} of node ${e[0]}, which has ${outputsOf(e[0])}`, [
          'nodes',
          i,
          'inputs',
          k,
        ]);
    });
  });

  const argNodes = raw.arg_nodes as unknown[];
  argNodes.forEach((a, k) => {
    if (!isIndex(a) || a >= nodes.length)
      add('MLF-E304', `arg_nodes[${k}] = ${JSON.stringify(a)} is not a node id`, ['arg_nodes', k]);
    else if (!nullNodes.has(a)) add('MLF-E307', `arg_nodes[${k}] = ${a} is not a "null" node`, ['arg_nodes', k]);
  });
  const argSet = new Set(argNodes);
  for (const n of nullNodes)
    if (!argSet.has(n)) add('MLF-E307', `null node ${n} is missing from arg_nodes`, ['arg_nodes']);
  if (argSet.size !== argNodes.length) add('MLF-E307', 'arg_nodes lists a node twice', ['arg_nodes']);

  (raw.heads as unknown[]).forEach((h, k) => {
    if (!isEntry(h)) return add('MLF-E302', `heads[${k}] must be [node_id, index, version]`, ['heads', k]);
    if (h[0] >= nodes.length || h[1] >= outputsOf(h[0]))
      add('MLF-E304', `heads[${k}] = [${h.join(', ')}] is not an output of the graph`, ['heads', k]);
  });

  checkAttrs(raw.attrs as Record<string, unknown>, numEntries, limits, add);
  const last = out[out.length - 1];
  if (unlisted > 0 && last !== undefined)
    out.push(diagnostic(last.code, `graph: ${unlisted} more problems not listed`, { member: options.member }));
  if (out.some((d) => d.severity === 'error')) return { diagnostics: out };
  return { graph: raw as GraphJson, diagnostics: out };
}

function checkOpNode(
  node: Record<string, unknown>,
  i: number,
  outputs: number,
  add: (c: MlfCode, m: string, p: PropertyKey[]) => void,
): void {
  const attrs = node.attrs;
  if (!isRecord(attrs)) return add('MLF-E302', `op node ${i} needs "attrs"`, ['nodes', i, 'attrs']);
  for (const key of ['func_name', 'num_inputs', 'num_outputs', 'flatten_data']) {
    if (typeof attrs[key] !== 'string')
      add('MLF-E302', `op node ${i} attrs.${key} must be a string`, ['nodes', i, 'attrs', key]);
  }
  if (String(attrs.num_outputs) !== String(outputs)) {
    add('MLF-E303', `op node ${i} declares num_outputs ${attrs.num_outputs}, node_row_ptr gives ${outputs}`, [
      'nodes',
      i,
      'attrs',
      'num_outputs',
    ]);
  }
  if (Array.isArray(node.inputs) && String(attrs.num_inputs) !== String(node.inputs.length)) {
    add('MLF-E302', `op node ${i} declares num_inputs ${attrs.num_inputs} but has ${node.inputs.length} inputs`, [
      'nodes',
      i,
      'attrs',
      'num_inputs',
    ]);
  }
}

function checkAttrs(
  attrs: Record<string, unknown>,
  numEntries: number,
  limits: Limits,
  add: (c: MlfCode, m: string, p: PropertyKey[]) => void,
): void {
  const required: [string, string][] = [
    ['shape', 'list_shape'],
    ['storage_id', 'list_int'],
    ['dltype', 'list_str'],
  ];
  const optional: [string, string][] = [['device_index', 'list_int']];
  for (const [key, tag] of [...required, ...optional]) {
    const v = attrs[key];
    if (v === undefined && optional.some(([k]) => k === key)) continue;
    if (!Array.isArray(v) || v.length !== 2 || v[0] !== tag || !Array.isArray(v[1])) {
      add('MLF-E302', `attrs.${key} must be ["${tag}", [...]]`, ['attrs', key]);
      continue;
    }
    const list = v[1] as unknown[];
    if (list.length !== numEntries) {
      add('MLF-E305', `attrs.${key} has ${list.length} elements, the graph has ${numEntries} entries`, [
        'attrs',
        key,
        1,
      ]);
      continue;
    }
    list.forEach((x, e) => {
      const p = ['attrs', key, 1, e];
      if (key === 'dltype') {
        if (typeof x !== 'string') return add('MLF-E306', `entry ${e} dltype must be a string`, p);
        try {
          parseDType(x);
        } catch {
          add('MLF-E306', `entry ${e} has unknown dltype "${x}"`, p);
        }
      } else if (key === 'shape') {
        if (!Array.isArray(x) || !x.every(isIndex))
          return add('MLF-E302', `entry ${e} shape must be a list of non-negative integers`, p);
        if (x.length > limits.maxNdim)
          add('MLF-E009', `entry ${e} has ${x.length} dimensions, the limit is ${limits.maxNdim}`, p);
        else if (x.reduce((a, b) => a * b, 1) > limits.maxTensorElements)
          add(
            'MLF-E009',
            `entry ${e} shape [${x.join(', ')}] has more than maxTensorElements ${limits.maxTensorElements} elements`,
            p,
          );
      } else if (!isIndex(x)) {
        add('MLF-E302', `entry ${e} ${key} must be a non-negative integer`, p);
      }
    });
  }
}

const MAX_DIAGNOSTICS = 1000;

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isEntry(v: unknown): v is NodeEntry {
  return Array.isArray(v) && (v.length === 2 || v.length === 3) && v.every(isIndex);
}
