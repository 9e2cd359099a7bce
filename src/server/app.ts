/**
 * The dashboard's HTTP application: the JSON API under /api, the live stream, and the built pages.
 * Read routes are open to this machine's browser; routes that launch, stop or read project files need
 * the token (see security.ts).
 */
import { readFile } from 'node:fs/promises';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MetaorchError } from '../model/errors.js';
import type { TrialFilter } from '../store/read-records.js';
import type { RunRecord } from '../store/records.js';
import type { RunQueries } from '../store/run-queries.js';
import { VERSION } from '../version.js';
import type { ApiError, EventsResponse, FilesResponse, LogResponse, RunListResponse, RunRow, SessionResponse } from './api-types.js';
import { compareResponse } from './compare.js';
import type { EventHub } from './event-hub.js';
import type { RunLauncher } from './launcher.js';
import type { ProcessesResponse } from './api-types.js';
import type { LiveRuns } from './live.js';
import { prometheusText } from './metrics.js';
import { listExperimentFiles, resolveProjectFile, writePastedExperiment } from './project-files.js';
import { decisions } from './queries.js';
import { hasToken, hostGuard, requireToken, securityHeaders } from './security.js';
import { serveDashboard } from './static.js';
import { streamRoute } from './stream.js';
import { series } from './summary.js';
import { workflowRoutes } from './workflows.js';

export interface AppContext {
  /** The store's read side: every API read goes through it. */
  queries: RunQueries;
  dbPath: string;
  projectDir: string;
  token: string;
  live: LiveRuns;
  hub: EventHub;
  launcher: RunLauncher;
  /** Under `metaorch orchestrator`: the master's processes (null for a stand-alone server). */
  processes?: () => ProcessesResponse | null;
  dashboardDir: string;
  /** Host headers accepted (null: any); read per request because the port is known after listen. */
  hosts: () => Set<string> | null;
}

/** Errors as `{ error: { code, message } }` with a status that says whose fault it is. */
function fail(c: Context, error: unknown) {
  // A malformed percent-encoding in the path or query (GET /%E0%A4%A): the request is bad, not the server.
  if (error instanceof URIError) return c.json<ApiError>({ error: { code: 'BAD_REQUEST', message: 'malformed URL encoding' } }, 400);
  if (error instanceof MetaorchError) {
    const status = error.code === 'RUN_NOT_FOUND' ? 404 : error.code === 'STORE' ? 500 : 400;
    return c.json<ApiError>({ error: { code: error.code, message: error.message } }, status);
  }
  return c.json<ApiError>({ error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } }, 500);
}

const notFound = (c: Context, id: string) => c.json<ApiError>({ error: { code: 'RUN_NOT_FOUND', message: `No run '${id}' in the store.` } }, 404);

function num(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * @example
 * const app = createApp(ctx); serve({ fetch: app.fetch, port: 8080 });
 */
export function createApp(ctx: AppContext): Hono {
  const app = new Hono();
  app.use('*', securityHeaders(), hostGuard(ctx.hosts));
  app.onError((error, c) => fail(c, error));

  const withRun = async (c: Context, f: (run: RunRecord) => Response | Promise<Response>) => {
    const id = c.req.param('id') ?? '';
    const run = ctx.queries.getRun(id);
    return run ? f(run) : notFound(c, id);
  };

  app.get('/api/session', (c) =>
    c.json<SessionResponse>({
      version: VERSION, project: ctx.projectDir, db: ctx.dbPath,
      authorized: hasToken(c.req.header('authorization'), c.req.header('x-metaorch-token'), ctx.token),
    }),
  );

  app.get('/api/runs', async (c) => {
    const q = c.req.query();
    let rows: RunRow[] = [];
    for (const run of ctx.queries.runs()) rows.push(await ctx.live.row(run));
    if (q['status']) rows = rows.filter((r) => q['status']!.split(',').includes(r.status));
    if (q['mode']) rows = rows.filter((r) => r.mode === q['mode']);
    if (q['q']) {
      const needle = q['q'].toLowerCase();
      rows = rows.filter((r) => r.name.toLowerCase().includes(needle) || r.id.includes(needle) || (r.best?.id ?? '').toLowerCase().includes(needle));
    }
    const sort = q['sort'] ?? 'started';
    const key = (r: RunRow): number | string => {
      switch (sort) {
        case 'name': return r.name.toLowerCase();
        case 'status': return r.status;
        case 'trials': return r.finished;
        case 'cost': return r.cost ?? -1;
        case 'score': return r.best?.meanScore ?? -1;
        case 'mode': return r.mode;
        default: return r.startedAt ?? r.createdAt;
      }
    };
    const dir = q['order'] === 'asc' ? 1 : -1;
    rows.sort((a, b) => (key(a) < key(b) ? -dir : key(a) > key(b) ? dir : 0));
    const total = rows.length;
    const limit = Math.min(1000, num(q['limit']) ?? 200);
    return c.json<RunListResponse>({ runs: rows.slice(0, limit), total });
  });

  app.get('/api/runs/:id', (c) => withRun(c, async (run) => c.json({ run: await ctx.live.row(run), config: ctx.live.config(run.id), launchedHere: ctx.launcher.isLaunchedHere(run.id) })));

  app.get('/api/runs/:id/summary', (c) => withRun(c, async (run) => c.json(ctx.live.summary(run, await ctx.live.aggregates.ensure(run.id)))));

  app.get('/api/runs/:id/live', (c) => withRun(c, async (run) => c.json(await ctx.live.snapshot(run))));

  app.get('/api/runs/:id/series', (c) => withRun(c, async (run) => c.json(series(await ctx.live.aggregates.ensure(run.id)))));

  app.get('/api/runs/:id/trials', (c) =>
    withRun(c, (run) => {
      const q = c.req.query();
      const status = ['ok', 'error', 'scheduled'].includes(q['status'] ?? '') ? (q['status'] as TrialFilter['status']) : undefined;
      const filter: TrialFilter = {
        ...(q['variant'] ? { variant: q['variant'] } : {}), ...(status ? { status } : {}),
        ...(num(q['minScore']) !== undefined ? { minScore: num(q['minScore'])! } : {}),
        ...(num(q['maxScore']) !== undefined ? { maxScore: num(q['maxScore'])! } : {}),
        ...(q['q'] ? { q: q['q'].slice(0, 200) } : {}),
        ...(num(q['before']) !== undefined ? { before: num(q['before'])! } : {}),
        ...(num(q['after']) !== undefined ? { after: num(q['after'])! } : {}),
        order: q['order'] === 'asc' ? 'asc' : 'desc', limit: Math.max(1, Math.min(200, num(q['limit']) ?? 50)),
      };
      return c.json(ctx.queries.trialPage(run.id, filter));
    }),
  );

  app.get('/api/runs/:id/trials/:seq', (c) =>
    withRun(c, (run) => {
      const detail = ctx.queries.trialDetail(run.id, Number(c.req.param('seq')));
      return detail ? c.json(detail) : c.json<ApiError>({ error: { code: 'NOT_FOUND', message: `No trial ${c.req.param('seq')} in run ${run.id}` } }, 404);
    }),
  );

  app.get('/api/runs/:id/events', (c) =>
    withRun(c, (run) => {
      const limit = Math.max(1, Math.min(1000, num(c.req.query('limit')) ?? 200));
      const types = (c.req.query('types') ?? '').split(',').filter(Boolean);
      const events = ctx.queries.eventsAfter(num(c.req.query('after')) ?? 0, { runId: run.id, limit, types });
      return c.json<EventsResponse>({ events, next: events.length === limit ? events[events.length - 1]!.seq : null });
    }),
  );

  app.get('/api/runs/:id/decisions', (c) => withRun(c, (run) => c.json(decisions(ctx.queries, run.id))));

  app.get('/api/runs/:id/log', (c) =>
    withRun(c, (run) => {
      const after = num(c.req.query('after')) ?? 0;
      const log = ctx.launcher.logOf(run.id);
      return c.json<LogResponse>({ launchedHere: log !== null, lines: (log ?? []).filter((l) => l.n > after) });
    }),
  );

  app.get('/api/processes', (c) =>
    c.json<ProcessesResponse>(ctx.processes?.() ?? { orchestrator: null, processes: [], server: { pid: process.pid, rss: process.memoryUsage.rss() } }),
  );

  app.get('/api/compare', async (c) => c.json(await compareResponse(ctx, c.req.query('base') ?? '', c.req.query('cand') ?? '', c.req.query('metrics'))));

  app.get('/api/stream', streamRoute(ctx.hub));

  app.get('/metrics', (c) =>
    c.body(prometheusText(ctx.queries, c.req.query('run') || undefined), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );

  // Everything below needs the token: it reads project files, runs user code (validation loads
  // variant modules), or starts and stops processes.
  const guarded = requireToken(ctx.token);
  const limit = bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.json<ApiError>({ error: { code: 'TOO_LARGE', message: 'body over 1 MB' } }, 413) });

  app.get('/api/files', guarded, (c) => c.json<FilesResponse>({ root: ctx.projectDir, files: listExperimentFiles(ctx.projectDir) }));

  app.get('/api/files/content', guarded, async (c) => {
    const file = resolveProjectFile(ctx.projectDir, c.req.query('path') ?? '');
    return c.json({ path: c.req.query('path'), content: await readFile(file, 'utf8') });
  });

  const experimentFile = async (c: Context): Promise<{ file: string; pasted: string | null }> => {
    const body = (await c.req.json().catch(() => ({}))) as { file?: unknown; yaml?: unknown };
    if (typeof body.yaml === 'string' && body.yaml.trim()) {
      const file = writePastedExperiment(ctx.projectDir, body.yaml);
      return { file, pasted: file.slice(ctx.projectDir.length + 1) };
    }
    if (typeof body.file === 'string') return { file: resolveProjectFile(ctx.projectDir, body.file), pasted: null };
    throw new MetaorchError('USAGE', 'expected { "file": "path/in/project.yaml" } or { "yaml": "..." }');
  };

  app.post('/api/validate', guarded, limit, async (c) => {
    const { file, pasted } = await experimentFile(c);
    return c.json(await ctx.launcher.validate(file, pasted));
  });

  app.post('/api/launch', guarded, limit, async (c) => {
    const { file, pasted } = await experimentFile(c);
    const validation = await ctx.launcher.validate(file, pasted);
    if (!validation.ok) {
      return c.json<ApiError>({ error: { code: 'CONFIG_INVALID', message: `${validation.issues.length} problem(s) in the experiment`, issues: validation.issues } }, 400);
    }
    return c.json(await ctx.launcher.launch(file));
  });

  app.post('/api/runs/:id/stop', guarded, (c) => withRun(c, async (run) => c.json(await ctx.launcher.stop(run))));

  workflowRoutes(app, ctx, guarded, limit);

  app.all('/api/*', (c) => c.json<ApiError>({ error: { code: 'NOT_FOUND', message: `No API route ${c.req.method} ${new URL(c.req.url).pathname}` } }, 404));
  app.get('*', serveDashboard(ctx.dashboardDir));
  return app;
}
