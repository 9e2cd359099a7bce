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
  // Nearly every value is shallow: a check that allocates nothing answers those, and the path is
  // worked out only for the rare one that is too deep.
  if (depthWithin(value, max)) return null;
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

/** Whether `value` nests at most `levels` levels below it, without allocating. */
function depthWithin(value: object, levels: number): boolean {
  if (levels <= 0) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item !== null && typeof item === 'object' && !depthWithin(item, levels - 1)) return false;
    }
  } else {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const item = (value as Record<string, unknown>)[key];
      if (item !== null && typeof item === 'object' && !depthWithin(item, levels - 1)) return false;
    }
  }
  return true;
}
