import * as z from 'zod';

/**
 * Options every adaptive policy accepts. `discount` and `window` are two ways to forget old outcomes
 * when rewards drift; they exclude each other.
 *
 * @example
 * z.strictObject({ ...adaptiveShape, exploration: z.number() });
 */
export const adaptiveShape = {
  minShare: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('Exploration floor: every eligible arm is chosen with at least this probability.'),
  burnIn: z
    .number()
    .int()
    .min(0)
    .max(100_000_000)
    .optional()
    .describe('Trials per arm (counting those in flight) before the policy starts adapting.'),
  discount: z
    .number()
    .gt(0)
    .max(1)
    .optional()
    .describe('For drifting rewards: multiply all past evidence by this factor on each update (e.g. 0.999).'),
  window: z
    .number()
    .int()
    .positive()
    .max(10_000_000)
    .optional()
    .describe('For drifting rewards: keep only the last N outcomes over all arms (at most 10,000,000).'),
};

/** The options in `adaptiveShape`, as a type. */
export interface AdaptiveOptions {
  minShare?: number;
  burnIn?: number;
  discount?: number;
  window?: number;
}

/**
 * A strict object schema over the shared options plus a policy's own, refusing discount with window.
 *
 * @example
 * const ucb1Options = adaptiveSchema({ exploration: z.number().positive().optional() });
 */
export function adaptiveSchema<T extends z.ZodRawShape>(own: T) {
  return z
    .strictObject({ ...adaptiveShape, ...own })
    .refine((o) => (o as AdaptiveOptions).discount === undefined || (o as AdaptiveOptions).window === undefined, {
      message: 'use either discount or window, not both',
      path: ['window'],
    });
}
