// The parsed form of Relay text (relay-parse.ts): types, expression nodes, functions.

/** A tensor type; `shape` null when not written, a dimension null when dynamic (`?`, `Any`). */
export interface RelayTensorType {
  kind: 'tensor';
  shape: (number | null)[] | null;
  dtype: string | null;
}

/** A Relay type: a tensor or a tuple of types. */
export type RelayType = RelayTensorType | { kind: 'tuple'; fields: RelayType[] };

/** An attribute value as written. */
export type RelayAttr = number | string | boolean | null | RelayAttr[];

/** One expression of the program. */
export interface RelayNode {
  id: number;
  /** `call` of an operator (`name` = `nn.conv2d`), of a global (`name` = `@f`) or of an expression (`callee`). */
  kind: 'var' | 'constant' | 'call' | 'tuple' | 'getitem' | 'function' | 'global';
  /** Variable name, operator or global name, or a constant's literal text (`1f`, `meta[relay.Constant][0]`). */
  name: string;
  /** Arguments of a call, fields of a tuple, the tuple of a projection. */
  args: number[];
  /** A call of an expression (`%f(%x)`): the callee node; else null. */
  callee: number | null;
  /** Keyword attributes of a call, in order. */
  attrs: Record<string, RelayAttr>;
  /** Projection index (`%3.0`). */
  index: number | null;
  /** `function` nodes: the function's index in {@link RelayProgram.lambdas}. */
  fn: number | null;
  /** The type written in the text (`%x: Tensor[...]`, `/* ty=... *\/`). */
  annotated: RelayType | null;
  /** Byte offset in the text. */
  offset: number;
}

/** A function: `def @name` or a `fn` literal. */
export interface RelayFunction {
  name: string;
  params: number[];
  body: number;
  ret: RelayType | null;
  attrs: Record<string, RelayAttr>;
}

/** A parsed Relay program. */
export interface RelayProgram {
  nodes: RelayNode[];
  /** `def @name` functions by name (`main`, BYOC partitions such as `tvmgen_default_cmsis_nn_main_0`). */
  functions: Map<string, RelayFunction>;
  /** `fn` literals, referenced by `function` nodes. */
  lambdas: RelayFunction[];
}

/** A tensor type's shape when every dimension is known, else null. */
export function knownShape(t: RelayTensorType | null | undefined): number[] | null {
  if (t === null || t === undefined || t.shape === null) return null;
  return t.shape.every((d) => d !== null) ? (t.shape as number[]) : null;
}

/** A type's tensors depth-first, the order TVM numbers outputs in (docs/format.md §5.3). */
export function flattenType(t: RelayType | null): (RelayType | null)[] {
  if (t === null) return [null];
  if (t.kind === 'tensor') return [t];
  return t.fields.flatMap(flattenType);
}
