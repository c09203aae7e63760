/**
 * Dictionaries keyed by archive data. A module, tensor or input may be named `__proto__`,
 * `constructor` or `toString`: in a plain `{}` the first rewires the prototype (the entry
 * vanishes) and the others read Object.prototype's members. A null-prototype object has no
 * such keys, stays JSON-serialisable and keeps insertion order.
 */

/** An empty dictionary without a prototype. */
export function createDict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A null-prototype dictionary from entries (later duplicates win, as in `Object.fromEntries`). */
export function dictFromEntries<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = createDict<T>();
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** `obj[key]` when `key` is the object's own property, else undefined (never an inherited member). */
export function ownValue<T>(obj: Readonly<Record<string, T>> | null | undefined, key: string): T | undefined {
  return obj != null && Object.hasOwn(obj, key) ? obj[key] : undefined;
}
