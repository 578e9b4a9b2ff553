/**
 * How rows travel as JSON. In requests, rows are plain objects: vectors as arrays of numbers, keys as strings or
 * integers (int keys must be safe integers, which JSON numbers carry exactly). In responses, typed arrays (stored
 * vectors) become number arrays, since JSON.stringify would turn a Float32Array into an object of indices.
 */

/** `value` with every typed array inside it turned into a plain array. */
export function toJson(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v);
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}
