import type { z } from 'zod';
import { MetaorchError } from '../model/errors.js';
import { describeIssues } from '../model/issue-text.js';

/** One problem in a policy config: the option path (e.g. `discount`) and what was expected. */
export interface PolicyIssue {
  path: string;
  message: string;
}

/**
 * A policy config that cannot be built. Carries the issues separately so a caller that knows the file
 * (the experiment loader) can re-wrap them as a `ConfigError` with file and path.
 *
 * @example
 * throw new PolicyConfigError('thompson', [{ path: 'discount', message: 'expected a number in (0, 1]' }]);
 */
export class PolicyConfigError extends MetaorchError {
  readonly policy: string | undefined;
  readonly issues: PolicyIssue[];
  constructor(policy: string | undefined, issues: PolicyIssue[]) {
    const where = policy === undefined ? 'policy' : `policy '${policy}'`;
    const detail = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    super('CONFIG_INVALID', `${where}: ${detail}`);
    this.policy = policy;
    this.issues = issues;
  }
}

/**
 * Validates a factory's options with its schema, so `thompson({ discount: 2 })` fails as clearly as a
 * config file does.
 *
 * @example
 * const opts = parseOptions('ucb1', ucb1Options, { exploration: 2 });
 */
export function parseOptions<S extends z.ZodType>(policy: string, schema: S, options: unknown): z.output<S> {
  const result = schema.safeParse(options ?? {}, { reportInput: true });
  if (result.success) return result.data;
  throw new PolicyConfigError(
    policy,
    describeIssues(result.error.issues).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  );
}

/**
 * Checks that depend on the number of arms, known only when the policy is built.
 *
 * @example
 * checkFloor('thompson', 'minShare', 0.3, 4); // throws: 4 arms x 0.3 > 1
 */
export function checkFloor(policy: string, option: string, floor: number | undefined, armCount: number): void {
  if (floor !== undefined && floor * armCount > 1 + 1e-12) {
    throw new PolicyConfigError(policy, [
      { path: option, message: `${armCount} arms x ${floor} exceeds 1; use at most ${(1 / armCount).toFixed(4)}` },
    ]);
  }
}
