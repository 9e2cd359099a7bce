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
  // Nearly every value is shallow, and the check allocates nothing. For the rare one that is too
  // deep, the path follows, level by level, the first child that is itself too deep.
  if (value === null || typeof value !== 'object' || depthWithin(value, max)) return null;
  const path: (string | number)[] = [];
  let v = value as Record<string | number, unknown>;
  for (let levels = max; levels > 0; levels--) {
    const key = Array.isArray(v) ? v.findIndex((item) => tooDeepBelow(item, levels - 1)) : Object.keys(v).find((k) => tooDeepBelow(v[k], levels - 1))!;
    path.push(key);
    v = v[key] as Record<string | number, unknown>;
  }
  return path;
}

function tooDeepBelow(item: unknown, levels: number): boolean {
  return item !== null && typeof item === 'object' && !depthWithin(item, levels);
}

/** Whether `value` nests at most `levels` levels below it, without allocating. */
function depthWithin(value: object, levels: number): boolean {
  if (levels <= 0) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (tooDeepBelow(value[i], levels - 1)) return false;
  } else {
    for (const key in value) if (Object.hasOwn(value, key) && tooDeepBelow((value as Record<string, unknown>)[key], levels - 1)) return false;
  }
  return true;
}
