/**
 * One unit of work: the input variables a prompt template reads, an optional expected answer, metadata.
 *
 * @example
 * const task: Task = { id: 'capital-fr', input: { country: 'France' }, expected: 'Paris' };
 */
export interface Task {
  id: string;
  input: Record<string, unknown>;
  expected?: unknown;
  metadata?: Record<string, unknown>;
}
