/**
 * Online evaluation: a route's judge grades a share of its successful answers after they were sent,
 * and its score counts as the trial's feedback (the first feedback counts: a client's that came
 * first wins). Which trials are graded is a seeded hash of the trial, so a replay grades the same ones.
 */
import { findAdapter } from '../../adapters/registry.js';
import type { Adapter } from '../../adapters/types.js';
import { resolveEnv } from '../../config/env.js';
import { validateVariant } from '../../config/variants.js';
import { hashSeed } from '../../model/random.js';
import { judge } from '../../scoring/judge.js';
import type { Scorer } from '../../scoring/types.js';
import type { GatewayRoute } from '../config/load.js';

/** How long a judge may take for one answer. */
const JUDGE_TIMEOUT_MS = 120_000;

export interface RouteJudge {
  /** Whether trial `seq` is in the graded share. */
  picks(seq: number): boolean;
  /** Grades an answer: the score in [0, 1] and its reason. */
  grade(o: { trial: string; prompt: string; output: string }): Promise<{ score: number; reason: string }>;
  close(): Promise<void>;
}

/**
 * @example
 * const j = routeJudge(route, seed, { env, baseDir });
 * if (j && j.picks(seq)) void j.grade({ trial, prompt, output }).then(({ score }) => run.feedback(seq, score, 'judge', null));
 */
export function routeJudge(route: GatewayRoute, seed: number, ctx: { env: NodeJS.ProcessEnv; baseDir: string }): RouteJudge | null {
  if (!route.judge) return null;
  const share = route.judge.share;
  const adapters: Adapter[] = [];
  const scorer: Scorer = judge(route.judge.options as Parameters<typeof judge>[0], {
    baseDir: ctx.baseDir,
    judgeTimeoutMs: JUDGE_TIMEOUT_MS,
    createJudgeAdapter(raw) {
      const { variant } = validateVariant(raw, ctx.env, ctx.baseDir);
      const definition = variant ? findAdapter(variant.adapter) : undefined;
      if (!variant || !definition) throw new Error(`route ${route.name}: invalid judge variant`);
      const adapter = definition.create(definition.options.parse(resolveEnv(variant.options, ctx.env)) as Record<string, unknown>, { baseDir: ctx.baseDir });
      adapters.push(adapter);
      return adapter;
    },
  });
  return {
    picks: (seq) => (hashSeed(seed, 'judge', seq) >>> 0) / 2 ** 32 < share,
    async grade(o) {
      const v = await scorer.score({ output: o.output, prompt: o.prompt, task: { id: o.trial, input: { messages: o.prompt } }, signal: new AbortController().signal });
      return { score: Math.min(1, Math.max(0, v.score)), reason: v.reason };
    },
    async close() {
      await Promise.all(adapters.map((a) => a.close?.().catch(() => undefined)));
    },
  };
}
