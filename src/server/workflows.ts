/**
 * The dashboard's workflow routes: a workflow run's phase tree (read from its state.json, the source of
 * truth for where it stands) and answers to its approval gates. An answer is written where the
 * workflow process reads it; when no process runs the workflow, one is started to continue it.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { MetaorchError } from '../model/errors.js';
import { answerApproval } from '../workflows/approvals.js';
import { loadWorkflowRun } from '../workflows/run.js';
import { viewHistory, voteHistory } from '../workflows/shell/sources.js';
import { loadState, workflowDir } from '../workflows/shell/state-file.js';
import { workflowView } from '../workflows/view.js';
import type { ApiError, ApprovalResponse, WorkflowResponse } from './api-types.js';
import type { AppContext } from './app.js';
import { isAlive } from './queries.js';

/**
 * @example
 * workflowRoutes(app, ctx, requireToken(ctx.token), bodyLimit({ maxSize: 1 << 20 }));
 */
export function workflowRoutes(app: Hono, ctx: AppContext, guarded: MiddlewareHandler, limit: MiddlewareHandler): void {
  const load = (c: Context) => {
    const id = c.req.param('id') ?? '';
    const run = ctx.queries.getRun(id);
    if (!run) throw new MetaorchError('RUN_NOT_FOUND', `No run '${id}' in the store.`);
    const { plan } = loadWorkflowRun(ctx.queries, id);
    const dir = workflowDir(ctx.dbPath, id);
    return { run, plan, dir, state: loadState(dir) };
  };

  app.get('/api/workflows/:id', (c) => {
    const { run, plan, state } = load(c);
    const view = workflowView(plan, state, viewHistory(voteHistory(ctx.queries, plan.name, run.id)));
    const live = run.status === 'running' && run.pid !== null && isAlive(run.pid);
    return c.json<WorkflowResponse>({ ...view, runStatus: run.status, processAlive: live, launchedHere: ctx.launcher.isLaunchedHere(run.id) });
  });

  app.post('/api/workflows/:id/approvals/:instance', guarded, limit, async (c) => {
    const { run, dir, state } = load(c);
    const body = (await c.req.json().catch(() => ({}))) as { decision?: unknown; note?: unknown };
    if (body.decision !== 'approve' && body.decision !== 'reject') {
      return c.json<ApiError>({ error: { code: 'USAGE', message: 'expected { "decision": "approve" | "reject", "note": "..." }' } }, 400);
    }
    const note = typeof body.note === 'string' ? body.note.slice(0, 4000) : null;
    const answer = answerApproval(state, dir, c.req.param('instance'), body.decision, note, 'dashboard');
    const live = run.status === 'running' && run.pid !== null && isAlive(run.pid);
    const resumed = live ? null : ctx.launcher.resumeWorkflow(run.id);
    return c.json<ApprovalResponse>({ instance: answer.instance, decision: answer.decision, note: answer.note, appliedBy: live ? 'running' : 'resumed', pid: live ? run.pid : (resumed?.pid ?? null) });
  });
}
