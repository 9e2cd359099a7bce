/** Which variant of the base run is compared with which variant of the candidate run. */
import { UsageError } from '../model/errors.js';

/** A base variant and the candidate variant it is compared with. */
export interface VariantPair {
  base: string;
  cand: string;
}

/**
 * Parses `--pair OLD=NEW` values (repeatable, or comma-separated).
 *
 * @example
 * parsePairs(['gpt-4o=gpt-4.1', 'v1=v2']); // [{ base: 'gpt-4o', cand: 'gpt-4.1' }, { base: 'v1', cand: 'v2' }]
 */
export function parsePairs(values: readonly string[]): VariantPair[] {
  return values
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((token) => {
      const m = /^([^=\s]+)\s*=\s*([^=\s]+)$/.exec(token);
      if (!m?.[1] || !m[2]) throw new UsageError(`--pair expects BASE_VARIANT=CAND_VARIANT (e.g. --pair prompt-v1=prompt-v2), got '${token}'.`);
      return { base: m[1], cand: m[2] };
    });
}

/** The pairs to compare and the variants left out. */
export interface Pairing {
  pairs: VariantPair[];
  /** Variants of each side that no pair uses (reported, not compared). */
  unmatched: { base: string[]; cand: string[] };
}

/**
 * Without a mapping: every variant present in both runs, in the base's order. With one: exactly the
 * mapped pairs, each of which must exist. Throws a UsageError naming the variants when nothing matches.
 *
 * @example
 * pairVariants(['a', 'b'], ['b', 'c']); // { pairs: [{ base: 'b', cand: 'b' }], unmatched: { base: ['a'], cand: ['c'] } }
 */
export function pairVariants(baseIds: readonly string[], candIds: readonly string[], mapping: readonly VariantPair[] = []): Pairing {
  const list = (ids: readonly string[]) => (ids.length ? ids.join(', ') : 'none');
  let pairs: VariantPair[];
  if (mapping.length) {
    for (const p of mapping) {
      if (!baseIds.includes(p.base)) throw new UsageError(`--pair ${p.base}=${p.cand}: the base run has no variant '${p.base}' (its variants: ${list(baseIds)}).`);
      if (!candIds.includes(p.cand)) throw new UsageError(`--pair ${p.base}=${p.cand}: the candidate run has no variant '${p.cand}' (its variants: ${list(candIds)}).`);
    }
    pairs = mapping.filter((p, i) => mapping.findIndex((q) => q.base === p.base && q.cand === p.cand) === i);
  } else {
    pairs = baseIds.filter((id) => candIds.includes(id)).map((id) => ({ base: id, cand: id }));
    if (pairs.length === 0) {
      throw new UsageError(
        `the runs have no variant in common (base: ${list(baseIds)}; candidate: ${list(candIds)}). ` +
          'Map them with --pair BASE_VARIANT=CAND_VARIANT.',
      );
    }
  }
  return {
    pairs,
    unmatched: {
      base: baseIds.filter((id) => !pairs.some((p) => p.base === id)),
      cand: candIds.filter((id) => !pairs.some((p) => p.cand === id)),
    },
  };
}
