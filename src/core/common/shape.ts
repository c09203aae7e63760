import { isRecord, jsonPath } from './json.js';

/**
 * A small schema language for the JSON files we read (metadata.json, build.json): one
 * declaration gives the TypeScript type, the runtime check (first problem with its JSON path,
 * plus a count of the others) and the JSON Schema (draft 2020-12) published under `schemas/`.
 * It covers what those files use and nothing more; it replaced zod, whose runtime was over half
 * of the browser bundle.
 */
export interface Shape<T> {
  /** Reports the problems of `value` (found at `path`) to `issues`. */
  check(value: unknown, path: PropertyKey[], issues: Issues): void;
  /** The JSON Schema of this shape. */
  jsonSchema(): JsonSchema;
  /** Present on shapes made by {@link optional}: the key may be absent. */
  readonly optional?: true;
  /** Type carrier only; never set. */
  readonly __type?: T;
}

/** A JSON Schema document or subschema. */
export type JsonSchema = { [key: string]: unknown };

/** The type a shape describes. */
export type Infer<S> = S extends Shape<infer T> ? T : never;

/** What a check found: the first problem in full and how many there were. */
export interface Issues {
  first?: { path: string; message: string };
  count: number;
}

const MAX_INT = Number.MAX_SAFE_INTEGER;

function fail(issues: Issues, path: PropertyKey[], message: string): void {
  issues.count++;
  issues.first ??= { path: jsonPath(path), message };
}

/** What a value is, for messages: `string "8"`, `number 1.5`, `array`, `null`. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `number ${v}`;
  return typeof v;
}

/** A string, at least `minLength` characters long. */
export function string(minLength = 0): Shape<string> {
  return {
    check(v, path, issues) {
      if (typeof v !== 'string') fail(issues, path, `expected a string, got ${describe(v)}`);
      else if (v.length < minLength) fail(issues, path, `expected at least ${minLength} character(s)`);
    },
    jsonSchema: () => (minLength > 0 ? { type: 'string', minLength } : { type: 'string' }),
  };
}

/** A safe integer, at least `min` (`0`: non-negative). */
export function integer(min = -MAX_INT): Shape<number> {
  return {
    check(v, path, issues) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v))
        fail(issues, path, `expected ${min === 0 ? 'a non-negative' : 'an'} integer, got ${describe(v)}`);
      else if (v < min) fail(issues, path, `expected an integer >= ${min}, got ${v}`);
    },
    jsonSchema: () => ({ type: 'integer', minimum: min, maximum: MAX_INT }),
  };
}

/** Exactly `value`. */
export function literal<const V extends string | number>(value: V): Shape<V> {
  return {
    check(v, path, issues) {
      if (v !== value) fail(issues, path, `expected ${JSON.stringify(value)}, got ${describe(v)}`);
    },
    jsonSchema: () => ({ type: typeof value, const: value }),
  };
}

/** One of a few strings. */
export function oneOf<const V extends string>(values: readonly V[]): Shape<V> {
  return {
    check(v, path, issues) {
      if (!(values as readonly unknown[]).includes(v))
        fail(issues, path, `expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${describe(v)}`);
    },
    jsonSchema: () => ({ type: 'string', enum: [...values] }),
  };
}

/** The inner shape, or null. */
export function nullable<T>(inner: Shape<T>): Shape<T | null> {
  return {
    check(v, path, issues) {
      if (v !== null) inner.check(v, path, issues);
    },
    jsonSchema: () => {
      const s = inner.jsonSchema();
      const keys = Object.keys(s);
      return keys.length === 1 && typeof s.type === 'string'
        ? { type: [s.type, 'null'] }
        : { anyOf: [s, { type: 'null' }] };
    },
  };
}

/** A key of an {@link object} that may be absent. */
export function optional<T>(inner: Shape<T>): Shape<T | undefined> & { readonly optional: true } {
  return { check: inner.check, jsonSchema: inner.jsonSchema, optional: true };
}

/** An array of `items`, at least `minItems` long. */
export function array<T>(items: Shape<T>, minItems = 0): Shape<T[]> {
  return {
    check(v, path, issues) {
      if (!Array.isArray(v)) return fail(issues, path, `expected an array, got ${describe(v)}`);
      if (v.length < minItems) fail(issues, path, `expected at least ${minItems} item(s)`);
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        items.check(v[i], path, issues);
        path.pop();
      }
    },
    jsonSchema: () =>
      minItems > 0
        ? { type: 'array', items: items.jsonSchema(), minItems }
        : { type: 'array', items: items.jsonSchema() },
  };
}

/** An object whose every value is `values` (keys are free). */
export function record<T>(values: Shape<T>): Shape<Record<string, T>> {
  return {
    check(v, path, issues) {
      if (!isRecord(v)) return fail(issues, path, `expected an object, got ${describe(v)}`);
      for (const key of Object.keys(v)) {
        path.push(key);
        values.check(v[key], path, issues);
        path.pop();
      }
    },
    jsonSchema: () => ({
      type: 'object',
      propertyNames: { type: 'string' },
      additionalProperties: values.jsonSchema(),
    }),
  };
}

type Props = Record<string, Shape<unknown>>;
type OptionalKeys<P extends Props> = { [K in keyof P]: P[K] extends { readonly optional: true } ? K : never }[keyof P];
/** The object type of some properties: optional shapes give optional keys. */
export type ObjectOf<P extends Props> = Flat<
  { [K in Exclude<keyof P, OptionalKeys<P>>]: Infer<P[K]> } & {
    [K in OptionalKeys<P>]?: Exclude<Infer<P[K]>, undefined>;
  }
>;
type Flat<T> = { [K in keyof T]: T[K] } & {};

/**
 * An object with these properties, checked in declaration order. `loose` (the default for
 * metadata) lets other keys through, since forks add keys that must survive a round trip;
 * `strict` refuses them (a typo in a hand-written build.json).
 */
export function object<P extends Props>(props: P, mode: 'loose' | 'strict' = 'loose'): Shape<ObjectOf<P>> {
  const keys = Object.keys(props);
  return {
    check(v, path, issues) {
      if (!isRecord(v)) return fail(issues, path, `expected an object, got ${describe(v)}`);
      for (const key of keys) {
        const shape = props[key] as Shape<unknown>;
        path.push(key);
        if (!Object.hasOwn(v, key)) {
          if (shape.optional !== true) fail(issues, path, 'is required');
        } else shape.check(v[key], path, issues);
        path.pop();
      }
      if (mode === 'strict') {
        for (const key of Object.keys(v)) {
          if (Object.hasOwn(props, key)) continue;
          path.push(key);
          fail(issues, path, `is not a known key (expected ${keys.join(', ')})`);
          path.pop();
        }
      }
    },
    jsonSchema: () => {
      const properties: JsonSchema = {};
      for (const key of keys) properties[key] = (props[key] as Shape<unknown>).jsonSchema();
      const required = keys.filter((k) => props[k]?.optional !== true);
      return {
        type: 'object',
        properties,
        ...(required.length > 0 ? { required } : {}),
        additionalProperties: mode === 'strict' ? false : {},
      };
    },
  };
}

/** One of two shapes, chosen by `pick` from the value (e.g. by a discriminating key). */
export function either<A, B>(pick: (v: unknown) => boolean, a: Shape<A>, b: Shape<B>): Shape<A | B> {
  return {
    check: (v, path, issues) => (pick(v) ? a : b).check(v, path, issues),
    jsonSchema: () => ({ anyOf: [a.jsonSchema(), b.jsonSchema()] }),
  };
}

/** Checks `value`; returns the issues (`count` 0 when it conforms). Linear in the value's size. */
export function checkShape(shape: Shape<unknown>, value: unknown): Issues {
  const issues: Issues = { count: 0 };
  shape.check(value, [], issues);
  return issues;
}

/** Type guard form of {@link checkShape}. */
export function conforms<T>(shape: Shape<T>, value: unknown): value is T {
  return checkShape(shape, value).count === 0;
}
