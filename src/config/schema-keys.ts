import type { z } from 'zod';

type Path = readonly (string | number)[];
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The schema without its wrappers (optional, default, prefault, nullable, readonly, a transform's input). */
function unwrap(schema: z.ZodType): z.ZodType {
  for (let s = schema, depth = 0; depth < 20; depth++) {
    const def = defOf(s);
    if (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type)) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
  return schema;
}

/** The schemas a value at `path` inside `schema` may match (several under a union). */
function schemasAt(schema: z.ZodType, path: Path): z.ZodType[] {
  let current = [unwrap(schema)];
  for (const key of path) {
    const next: z.ZodType[] = [];
    const visit = (s: z.ZodType) => {
      const def = defOf(s);
      if (def.type === 'union') for (const o of def.options ?? []) visit(unwrap(o));
      else if (def.type === 'object' && typeof key === 'string' && def.shape?.[key]) next.push(unwrap(def.shape[key]));
      else if (def.type === 'array' && typeof key === 'number' && def.element) next.push(unwrap(def.element));
      else if (def.type === 'record' && def.valueType) next.push(unwrap(def.valueType));
    };
    current.forEach(visit);
    current = next;
  }
  return current;
}

/**
 * Field names a mapping at `path` inside `schema` may have, for "did you mean" on unknown fields;
 * undefined when the place is not a mapping with named fields.
 *
 * @example
 * fieldsAt(experimentHeadSchema, ['budget']); // ['trials', 'cost', 'time']
 */
export function fieldsAt(schema: z.ZodType, path: Path): string[] | undefined {
  const keys = new Set<string>();
  const visit = (s: z.ZodType) => {
    const def = defOf(s);
    if (def.type === 'union') for (const o of def.options ?? []) visit(unwrap(o));
    else if (def.type === 'object') for (const k of Object.keys(def.shape ?? {})) keys.add(k);
  };
  schemasAt(schema, path).forEach(visit);
  return keys.size ? [...keys] : undefined;
}
