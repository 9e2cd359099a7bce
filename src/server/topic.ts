import type { Context, Hono, MiddlewareHandler } from 'hono';
import { prepareTopic } from '../topic/launch.js';
import { readTopicHistory, type TopicHistory } from '../topic/read-statistics.js';
import { topicStatistics } from '../topic/statistics.js';
import type { ApiError, LaunchResponse, TopicStatsResponse } from './api-types.js';
import type { AppContext } from './app.js';

/** What the dashboard's topic form posts. */
export interface TopicLaunchBody {
  topic?: unknown;
  producers?: unknown;
  iterations?: unknown;
  maxRequests?: unknown;
  batch?: unknown;
  variants?: unknown;
}

/**
 * `POST /api/topic`: the topic form. Checks the request (empty topic, batch 0, unwritable folder are
 * refused with 400 and nothing started), stops the topic runs this server started before (a new topic
 * gets fresh producers, seed 003's decision 6), writes the topic's experiment into its folder and
 * launches it like any experiment (on the orchestrator's producers when managed).
 *
 * @example
 * topicRoutes(app, ctx, guarded, limit);
 */
export function topicRoutes(app: Hono, ctx: AppContext, guarded: MiddlewareHandler, limit: MiddlewareHandler): void {
  const topicRuns = new Set<string>();
  // Each run's events read so far: a poll reads only the new ones (events are append-only).
  const histories = new Map<string, TopicHistory>();

  /**
   * `GET /api/runs/:id/topic?window=20`: the topic run's statistics: per variant the totals and the
   * trend of each figure in windows of `window` requests with confidence bands (at most 200 points
   * per variant: a long run's windows widen), the discovery curve and the effectiveness of the
   * policy's weight changes.
   */
  app.get('/api/runs/:id/topic', (c: Context) => {
    const id = c.req.param('id') ?? '';
    const run = ctx.queries.getRun(id);
    if (!run) return c.json<ApiError>({ error: { code: 'NOT_FOUND', message: `No run ${id}` } }, 404);
    const config = ctx.queries.runConfig(run.id) as { topic?: { name: string }; variants?: { id: string }[] };
    if (!config.topic) return c.json<ApiError>({ error: { code: 'NOT_FOUND', message: `Run ${run.id} is not a topic run` } }, 404);
    const asked = Number(c.req.query('window') ?? 20);
    const window = Number.isInteger(asked) && asked >= 1 ? Math.min(asked, 100_000) : 20;
    let history = histories.get(run.id);
    if (!history) {
      if (histories.size >= 20) histories.delete(histories.keys().next().value as string);
      histories.set(run.id, (history = { after: 0, calls: [], snapshots: [] }));
    }
    readTopicHistory(ctx.queries, run.id, history);
    const statistics = topicStatistics(history.calls, history.snapshots, { window, maxPoints: 200, variants: (config.variants ?? []).map((v) => v.id) });
    return c.json<TopicStatsResponse>({ runId: run.id, topic: config.topic.name, ...statistics });
  });

  app.post('/api/topic', guarded, limit, async (c: Context) => {
    const body = ((await c.req.json().catch(() => ({}))) ?? {}) as TopicLaunchBody;
    const count = (v: unknown, min: number): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number.isInteger(Number(v)) && Number(v) >= min ? Number(v) : NaN);
    const fields = { producers: count(body.producers, 1), iterations: count(body.iterations, 1), maxRequests: count(body.maxRequests, 1), batch: count(body.batch, 0) };
    const bad = Object.entries(fields).find(([, v]) => Number.isNaN(v));
    if (bad) return c.json<ApiError>({ error: { code: 'USAGE', message: `${bad[0]}: expected a whole number` } }, 400);
    const launch = prepareTopic({
      topic: typeof body.topic === 'string' ? body.topic : '', producers: fields.producers ?? 2,
      ...(fields.iterations !== undefined ? { iterations: fields.iterations } : {}), ...(fields.maxRequests !== undefined ? { maxRequests: fields.maxRequests } : {}),
      ...(fields.batch !== undefined ? { batch: fields.batch } : {}), ...(typeof body.variants === 'string' ? { variantsText: body.variants } : {}),
    }, ctx.projectDir);
    if (!launch.ok) return c.json<ApiError>({ error: { code: 'USAGE', message: launch.message.replace(/^--\w+: /, '') } }, 400);
    const validation = await ctx.launcher.validate(launch.file, null);
    if (!validation.ok) return c.json<ApiError>({ error: { code: 'CONFIG_INVALID', message: `${validation.issues.length} problem(s) in the variants`, issues: validation.issues } }, 400);
    for (const id of topicRuns) {
      const run = ctx.queries.getRun(id);
      if (run && run.status === 'running') await ctx.launcher.stop(run);
      topicRuns.delete(id);
    }
    const started = await ctx.launcher.launch(launch.file);
    topicRuns.add(started.runId);
    return c.json<LaunchResponse & { folder: string }>({ ...started, folder: launch.folder });
  });
}
