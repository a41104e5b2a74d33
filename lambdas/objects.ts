/**
 * Outside every layer, like `names.ts` and `errors.ts`: imports nothing, every layer may use it.
 */

/**
 * `fields` without the keys whose value is `undefined`: an optional field stays absent (not
 * present with `undefined`) in a log line, in JSON, under `in` and under a later spread. One call
 * in place of a `...(x !== undefined ? { x } : {})` per field.
 */
export function defined<T extends Record<string, unknown>>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) if (fields[key] !== undefined) out[key] = fields[key];
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
