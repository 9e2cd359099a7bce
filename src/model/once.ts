/**
 * A value made on its first use, then kept: for what is costly to build at load (a zod schema, a
 * Unicode-property pattern) and that many commands load without using.
 *
 * @example
 * const schema = once(() => z.object({ id: z.string() }));
 * schema().parse(body);
 */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
