/** Deepest nesting of arrays and objects accepted in a config or a task: far beyond any real one. */
export const MAX_NESTING = 100;

/**
 * The path to the first value nested deeper than `max` levels, or null. It never recurses deeper than
 * `max`: a document nested 100,000 deep must be refused with a message, not crash the recursive code
 * that would read it. Cheap on flat values (it runs on every task).
 *
 * @example
 * tooDeep({ a: [[[1]]] }, 2); // ['a', 0]
 */
export function tooDeep(value: unknown, max = MAX_NESTING): (string | number)[] | null {
  if (value === null || typeof value !== 'object') return null;
  const path: (string | number)[] = [];
  // Indexes and `for...in` rather than entries arrays: this runs on every task, and allocating a pair
  // per field made it a tenth of loading a dataset.
  const search = (v: object): boolean => {
    if (path.length >= max) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (deeper(i, v[i])) return true;
    } else {
      for (const key in v) if (Object.hasOwn(v, key) && deeper(key, (v as Record<string, unknown>)[key])) return true;
    }
    return false;
  };
  const deeper = (key: string | number, item: unknown): boolean => {
    if (item === null || typeof item !== 'object') return false;
    path.push(key);
    if (search(item)) return true;
    path.pop();
    return false;
  };
  return search(value) ? path : null;
}
