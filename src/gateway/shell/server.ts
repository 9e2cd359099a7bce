/**
 * The gateway's HTTP shell, on plain node:http (measured faster than Hono for this one job: see
 * bench/gateway-shells.bench.ts): reads and bounds the body, checks the key, resolves the route,
 * asks the route's run which variants to try, calls them in order, answers in the wire format the
 * client called (translating when the upstream speaks the other), and records the trial. Every
 * decision is made by the pure modules (core/, wire/); this file only moves bytes and calls them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdapterError } from '../../adapters/errors.js';
import { resolveEnv } from '../../config/env.js';
import { AttemptTimeout } from '../../engine/classify.js';
import { pricer } from '../../engine/runtime.js';
import { trialId, type Attempt, type ErrorKind, type TrialOutcome } from '../../model/trial.js';
import type { SqliteStore } from '../../store/sqlite-store.js';
import type { GatewayConfig } from '../config/load.js';
import { admit, keyState, spend, type KeyState } from '../core/access.js';
import { modelResolver } from '../core/resolve.js';
import { closeAgents } from '../upstream/http.js';
import { createUpstream, type Upstream, type UpstreamReply } from '../upstream/index.js';
import { errorAnswer, streamErrorEvent, type ErrorAnswer, type GatewayErrorKind } from '../wire/errors.js';
import { completionToMessage, messageToCompletion } from '../wire/responses.js';
import { ChatToResponsesStream, completionToResponse, responsesToChatRequest, type ResponsesContext, type ResponsesRequest } from '../wire/responses-api.js';
import { SseParser, sseText } from '../wire/sse.js';
import { AnthropicToChatStream, ChatToAnthropicStream, type OutEvent } from '../wire/streams.js';
import { ChatStreamSummary, MessageStreamSummary, outputText, summariseCompletion, summariseMessage, type AnswerSummary } from '../wire/summary.js';
import type { ChatChunk, ChatCompletion, ChatRequest, Message, MessageEvent, MessagesRequest, Wire } from '../wire/types.js';
import { routeJudge } from './judge.js';
import { ANONYMOUS, RouteRun } from './route-run.js';
import { spendByTask } from '../../store/gateway-store.js';
import { periodStart } from '../core/access.js';

/** A running gateway. */
export interface Gateway {
  url: string;
  port: number;
  runs: readonly RouteRun[];
  /** Stops accepting, lets requests in flight finish (bounded), writes everything, releases the runs. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  config: GatewayConfig;
  store: SqliteStore;
  env?: NodeJS.ProcessEnv;
  host?: string;
  port?: number;
  redact: (t: string) => string;
  /** The controller's clock, ms (tests make it fast). */
  controllerClockMs?: number;
}

/** Responses remembered for feedback by response id (a ring of this many). */
const REMEMBERED = 100_000;

interface Key {
  name: string;
  state: KeyState;
  routes: Set<string> | null;
}

/**
 * Opens every route's run, then binds the port.
 *
 * @example
 * const gateway = await startGateway({ config, store, redact, port: 0 });
 * console.log(gateway.url); // http://127.0.0.1:40123
 */
export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const env = o.env ?? process.env;
  const { config, store, redact } = o;
  const keys = new Map<string, Key>();
  const keyNames = config.keys.map((k) => k.name);
  const runs: RouteRun[] = [];
  try {
    for (const route of config.routes) runs.push(RouteRun.open(store, config, route, { env, redact, keys: keyNames, ...(o.controllerClockMs ? { controllerClockMs: o.controllerClockMs } : {}) }));
  } catch (error) {
    await Promise.all(runs.map((r) => r.close()));
    throw error;
  }
  const now = Date.now();
  for (const k of config.keys) {
    const since = k.budget ? periodStart(k.budget.period, now) : now;
    const spent = k.budget ? spendByTask(store.db, runs.map((r) => r.runId), since).get(`key:${k.name}`) ?? 0 : 0;
    const limits = { ...(k.rateLimit !== undefined ? { rateLimit: k.rateLimit } : {}), ...(k.burst !== undefined ? { burst: k.burst } : {}), ...(k.budget ? { budget: k.budget } : {}) };
    keys.set(resolveEnv(k.ref, env), { name: k.name, state: keyState(limits, now, spent), routes: k.routes ? new Set(k.routes) : null });
  }
  const upstreams: Upstream[][] = config.routes.map((r) => r.variants.map((v) => createUpstream(v, { env, baseDir: config.baseDir, redact })));
  const prices = config.routes.map((r) => r.variants.map((v) => pricer(v.cost)));
  const judges = runs.map((r) => routeJudge(r.route, r.experiment.seed, { env, baseDir: config.baseDir }));
  const grading = new Set<Promise<void>>();
  const resolve = modelResolver(config.routes.map((r) => ({ name: r.name, aliases: r.aliases, variants: r.variants.map((v) => v.id) })), config.defaultRoute);
  const byRunId = new Map(runs.map((r, i) => [r.runId, i]));
  const responses = new Map<string, string>();
  const remember = (id: string, trial: string) => {
    if (responses.size >= REMEMBERED) responses.delete(responses.keys().next().value as string);
    responses.set(id, trial);
  };
  const inFlight = new Set<Promise<void>>();
  let responseCounter = 0;

  const server: Server = createServer((req, res) => {
    const p = handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, errorAnswer(wireOf(req), 500, 'internal', redact(`internal error: ${(error as Error).message}`)));
      else res.destroy();
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const wire: Wire = wireOf(req);
    if (req.method === 'GET' && (path === '/health' || path === '/healthz')) {
      const failed = runs.find((r) => r.failed);
      json(res, failed ? 503 : 200, { status: failed ? 'failing' : 'ok', routes: runs.map((r) => ({ route: r.route.name, run: r.runId, trials: r.state.nextSeq })) });
      return;
    }
    const key = authenticate(req);
    if (key === false) {
      drain(req);
      send(res, errorAnswer(wire, 401, 'authentication', keys.size ? 'Invalid or missing gateway key: send it as Authorization: Bearer KEY (or x-api-key: KEY).' : 'unauthorised'));
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') return models(res, wire);
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/messages' && path !== '/v1/feedback' && path !== '/v1/responses')) {
      drain(req);
      send(res, errorAnswer(wire, 404, 'not_found', `No route for ${req.method} ${path}. Served: POST /v1/chat/completions, POST /v1/responses, POST /v1/messages, POST /v1/feedback, GET /v1/models, GET /health.`));
      return;
    }
    const body = await readBody(req, config.maxBodyBytes);
    if (body === null) {
      send(res, errorAnswer(wire, 413, 'too_large', `The request body is larger than the gateway's limit of ${config.maxBodyBytes} bytes (maxBodySize).`), true);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      send(res, errorAnswer(wire, 400, 'invalid_request', `The request body is not valid JSON: ${(error as Error).message}`));
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      send(res, errorAnswer(wire, 400, 'invalid_request', 'The request body must be a JSON object.'));
      return;
    }
    if (path === '/v1/feedback') return feedback(res, parsed as Record<string, unknown>, key);
    if (path === '/v1/responses') return respond(req, res, parsed as ResponsesRequest, key);
    return complete(req, res, wire, parsed as ChatRequest | MessagesRequest, key);
  }

  /**
   * `POST /v1/responses`: translated to a chat request and routed exactly like one (policy, trial,
   * fallbacks, keys, limits); the answer is translated back into a Response or its event stream.
   */
  function respond(req: IncomingMessage, res: ServerResponse, body: ResponsesRequest, key: Key | null): Promise<void> {
    const translated = responsesToChatRequest(body, { id: `resp_${Date.now().toString(36)}${(responseCounter++).toString(36)}`, created: Math.floor(Date.now() / 1000) });
    if (!translated.ok) {
      send(res, errorAnswer('openai', 400, 'invalid_request', translated.message, { param: translated.param }));
      return Promise.resolve();
    }
    return complete(req, res, 'openai', translated.chat, key, translated.context);
  }

  function authenticate(req: IncomingMessage): Key | null | false {
    if (keys.size === 0) return null;
    const auth = req.headers['authorization'];
    const value = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).trim() : req.headers['x-api-key'];
    if (typeof value !== 'string') return false;
    return keys.get(value) ?? false;
  }

  function models(res: ServerResponse, wire: Wire): void {
    const ids: string[] = [];
    for (const r of config.routes) {
      ids.push(r.name);
      for (const v of r.variants) ids.push(`${r.name}/${v.id}`);
    }
    if (wire === 'anthropic') {
      const data = ids.map((id) => ({ type: 'model', id, display_name: id, created_at: new Date(0).toISOString() }));
      json(res, 200, { data, has_more: false, first_id: ids[0] ?? null, last_id: ids[ids.length - 1] ?? null });
    } else {
      json(res, 200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'metaorch' })) });
    }
  }

  function feedback(res: ServerResponse, body: Record<string, unknown>, key: Key | null): void {
    const bad = (message: string, status = 400) => send(res, errorAnswer('openai', status, status === 404 ? 'not_found' : 'invalid_request', message));
    let trial = typeof body['trial_id'] === 'string' ? body['trial_id'] : null;
    const responseId = typeof body['response_id'] === 'string' ? body['response_id'] : typeof body['id'] === 'string' ? body['id'] : null;
    if (!trial && responseId) trial = responses.get(responseId) ?? null;
    if (!trial) return bad(responseId ? `unknown response id '${responseId}' (this gateway remembers the last ${REMEMBERED} responses; use trial_id, from the x-metaorch-trial header)` : "expected 'trial_id' (the x-metaorch-trial header of the answer) or 'response_id'");
    const slash = trial.lastIndexOf('/');
    const route = byRunId.get(trial.slice(0, slash));
    const seq = Number(trial.slice(slash + 1));
    if (route === undefined || !Number.isInteger(seq) || seq < 0) return bad(`unknown trial '${trial}'`, 404);
    let score: number;
    const thumbs = body['thumbs'];
    if (typeof body['score'] === 'number' && body['score'] >= 0 && body['score'] <= 1) score = body['score'];
    else if (thumbs === 'up' || thumbs === true || thumbs === 1) score = 1;
    else if (thumbs === 'down' || thumbs === false || thumbs === 0) score = 0;
    else return bad("expected 'score' (a number from 0 to 1) or 'thumbs' ('up' or 'down')");
    const comment = typeof body['comment'] === 'string' ? redact(body['comment'].slice(0, 2000)) : null;
    const result = runs[route]!.feedback(seq, score, key ? `key:${key.name}` : ANONYMOUS, comment);
    if ('error' in result) return bad(result.error, 404);
    json(res, 200, { trial_id: trial, score, outcome: result.outcome });
  }

  async function complete(req: IncomingMessage, res: ServerResponse, wire: Wire, body: ChatRequest | MessagesRequest, key: Key | null, responses?: ResponsesContext): Promise<void> {
    if (!Array.isArray(body.messages)) {
      send(res, errorAnswer(wire, 400, 'invalid_request', "'messages' is required: an array of messages", { param: 'messages' }));
      return;
    }
    const resolved = resolve(body.model);
    if (!resolved.ok) {
      send(res, errorAnswer(wire, 404, 'not_found', resolved.message, { param: 'model' }));
      return;
    }
    const routeIdx = resolved.route;
    const run = runs[routeIdx]!;
    if (key?.routes && !key.routes.has(run.route.name)) {
      send(res, errorAnswer(wire, 403, 'permission', `key '${key.name}' may not use route '${run.route.name}'`));
      return;
    }
    if (key) {
      const admission = admit(key.state, key.name, Date.now());
      if (!admission.ok) {
        send(res, errorAnswer(wire, 429, admission.kind, admission.message, admission.retryAfterMs === null ? {} : { retryAfterMs: admission.retryAfterMs }));
        return;
      }
    }
    if (run.failed) {
      send(res, errorAnswer(wire, 503, 'overloaded', redact(`route '${run.route.name}' cannot record requests: ${(run.failed as Error).message}`)));
      return;
    }
    const task = key ? `key:${key.name}` : ANONYMOUS;
    const { seq, arms } = run.choose(resolved.variant, task);
    const stream = body.stream === true;
    const startedAt = Date.now();
    const t0 = performance.now();
    const attempts: Attempt[] = [];
    const storeContent = run.route.storeContent;
    const prompt = storeContent ? redact(JSON.stringify(wire === 'openai' ? body.messages : { system: (body as MessagesRequest).system, messages: body.messages })) : '';
    let lastError: AdapterError | null = null;
    let arm = arms[0]!;
    run.start(seq, arm, task);
    const aborted = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) aborted.abort(new Error('the client closed the connection'));
    });
    for (let i = 0; i < arms.length; i++) {
      if (i > 0) {
        run.retry(seq, arm, arms[i]!, attempts[attempts.length - 1]?.latencyMs ?? 0);
        arm = arms[i]!;
      }
      const variant = run.route.variants[arm]!;
      const a0 = performance.now();
      // One controller per try, aborted by its timer or by the client leaving (AbortSignal.any and
      // AbortSignal.timeout cost more per request than the whole rest of the shell).
      const tryAbort = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        tryAbort.abort(new AttemptTimeout(run.route.timeoutMs));
      }, run.route.timeoutMs);
      const onClientGone = () => tryAbort.abort(aborted.signal.reason);
      aborted.signal.addEventListener('abort', onClientGone, { once: true });
      const signal = tryAbort.signal;
      const release = () => {
        clearTimeout(timer);
        aborted.signal.removeEventListener('abort', onClientGone);
      };
      let reply: UpstreamReply;
      try {
        reply = await upstreams[routeIdx]![arm]!.call({ wire, body, stream, headers: req.headers, signal, seq, seed: seq });
      } catch (error) {
        release();
        const e = classify(error, variant.id, timedOut ? run.route.timeoutMs : null, redact);
        attempts.push({ n: i + 1, latencyMs: performance.now() - a0, error: { kind: e.kind, message: e.message, ...(e.status !== undefined ? { status: e.status } : {}), retryable: e.retryable }, variant: variant.id });
        lastError = e;
        if (aborted.signal.aborted || !e.retryable) break;
        continue;
      }
      const headers = { 'x-metaorch-route': run.route.name, 'x-metaorch-variant': variant.id, 'x-metaorch-trial': trialId(run.runId, seq) };
      let summary: AnswerSummary;
      try {
        if (responses) summary = reply.kind === 'json' ? answerResponseJson(res, reply, headers, responses) : await answerResponseStream(res, reply, headers, responses);
        else summary = reply.kind === 'json' ? answerJson(res, wire, reply, headers, seq, run.runId) : await answerStream(res, wire, reply, headers, seq, run.runId, body);
      } catch (error) {
        release();
        // The stream broke after it started: the client saw an error event; the trial is an error.
        const e = classify(error, variant.id, timedOut ? run.route.timeoutMs : null, redact);
        attempts.push({ n: i + 1, latencyMs: performance.now() - a0, error: { kind: e.kind, message: e.message, retryable: false }, variant: variant.id });
        record(run, routeIdx, seq, arm, key, { status: 'error', prompt, output: null, summary: null, attempts, startedAt, t0, error: e, cost: null });
        return;
      }
      release();
      attempts.push({ n: i + 1, latencyMs: performance.now() - a0, variant: variant.id });
      const cost = reply.cost ?? prices[routeIdx]![arm]!({ input: summary.tokens?.input ?? null, output: summary.tokens?.output ?? null });
      record(run, routeIdx, seq, arm, key, { status: 'ok', prompt, output: storeContent ? redact(outputText(summary)) : null, summary, attempts, startedAt, t0, error: null, cost });
      const judge = judges[routeIdx];
      if (judge?.picks(seq)) {
        // After the answer went out: the client never waits for its grade.
        const trial = trialId(run.runId, seq);
        const p = judge
          .grade({ trial, prompt: JSON.stringify(body.messages), output: outputText(summary) })
          .then(({ score, reason }) => void run.feedback(seq, score, 'judge', redact(reason.slice(0, 2000))))
          .catch((error: unknown) => run.note('judge_failed', { seq, error: redact((error as Error).message ?? String(error)) }))
          .finally(() => grading.delete(p));
        grading.add(p);
      }
      return;
    }
    const e = lastError ?? new AdapterError('unknown', 'no variant answered', { retryable: false });
    record(run, routeIdx, seq, arm, key, { status: 'error', prompt, output: null, summary: null, attempts, startedAt, t0, error: e, cost: null });
    if (aborted.signal.aborted) return;
    const status = e.kind === 'rate_limit' ? 429 : e.kind === 'timeout' ? 504 : e.kind === 'client' && e.status && e.status < 500 ? e.status : 502;
    const kind: GatewayErrorKind = e.kind === 'rate_limit' ? 'rate_limit' : e.kind === 'timeout' ? 'timeout' : e.kind === 'client' ? 'invalid_request' : 'upstream';
    const answer = errorAnswer(wire, status, kind, e.message, e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {});
    answer.headers['x-metaorch-route'] = run.route.name;
    answer.headers['x-metaorch-variant'] = run.route.variants[arm]!.id;
    answer.headers['x-metaorch-trial'] = trialId(run.runId, seq);
    send(res, answer);
  }

  function record(
    run: RouteRun, routeIdx: number, seq: number, arm: number, key: Key | null,
    r: { status: 'ok' | 'error'; prompt: string; output: string | null; summary: AnswerSummary | null; attempts: Attempt[]; startedAt: number; t0: number; error: AdapterError | null; cost: number | null },
  ): void {
    const outcome: TrialOutcome = {
      seq, status: r.status, prompt: r.prompt, output: r.output, scores: [], score: null, passed: null, attempts: r.attempts, latencyMs: performance.now() - r.t0,
      tokens: { input: r.summary?.tokens?.input ?? null, output: r.summary?.tokens?.output ?? null }, cost: r.cost,
      error: r.error ? { kind: r.error.kind, message: r.error.message, ...(r.error.status !== undefined ? { status: r.error.status } : {}), retryable: r.error.retryable } : null,
      startedAt: r.startedAt, finishedAt: Date.now(),
    };
    run.finish(seq, arm, outcome);
    if (key && r.cost) spend(key.state, r.cost, outcome.finishedAt);
    void routeIdx;
  }

  function answerJson(res: ServerResponse, wire: Wire, reply: Extract<UpstreamReply, { kind: 'json' }>, headers: Record<string, string>, seq: number, runId: string): AnswerSummary {
    let out: ChatCompletion | Message;
    let summary: AnswerSummary;
    if (reply.wire === 'openai') {
      const c = reply.json as ChatCompletion;
      summary = summariseCompletion(c);
      out = wire === 'openai' ? c : completionToMessage(c, { id: `msg_${runId}_${seq}` });
    } else {
      const m = reply.json as Message;
      summary = summariseMessage(m);
      out = wire === 'anthropic' ? m : messageToCompletion(m, { id: `chatcmpl-${runId}-${seq}`, created: Math.floor(Date.now() / 1000) });
    }
    if (typeof out.id === 'string') remember(out.id, headers['x-metaorch-trial']!);
    const text = JSON.stringify(out);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
    return summary;
  }

  async function answerStream(res: ServerResponse, wire: Wire, reply: Extract<UpstreamReply, { kind: 'stream' }>, headers: Record<string, string>, seq: number, runId: string, body: ChatRequest | MessagesRequest): Promise<AnswerSummary> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    res.flushHeaders();
    const parser = new SseParser();
    const same = reply.wire === wire;
    const chatSummary = new ChatStreamSummary();
    const messageSummary = new MessageStreamSummary();
    const includeUsage = (body as ChatRequest).stream_options?.include_usage === true;
    const toChat = reply.wire === 'anthropic' && wire === 'openai' ? new AnthropicToChatStream({ id: `chatcmpl-${runId}-${seq}`, created: Math.floor(Date.now() / 1000), includeUsage }) : null;
    const toMessages = reply.wire === 'openai' && wire === 'anthropic' ? new ChatToAnthropicStream({ id: `msg_${runId}_${seq}`, model: body.model }) : null;
    let remembered = false;
    const emit = (events: OutEvent[]) => {
      for (const e of events) {
        const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
        res.write(wire === 'openai' ? sseText(null, data) : sseText(e.event, data));
      }
    };
    // Usage goes in a last chunk only when the client asked (the gateway always asks, for the trial's cost).
    const dropUsage = same && wire === 'openai' && !includeUsage;
    const handle = (events: ReturnType<SseParser['push']>) => {
      for (const e of events) {
        if (e.data === '[DONE]' || e.data === '') {
          if (dropUsage) res.write(e.raw);
          continue;
        }
        let data: unknown;
        try {
          data = JSON.parse(e.data);
        } catch {
          if (dropUsage) res.write(e.raw);
          continue;
        }
        if (dropUsage) {
          const c = data as ChatChunk;
          if (!(c && Array.isArray(c.choices) && c.choices.length === 0 && c.usage)) res.write(e.raw);
        }
        if (!remembered && data && typeof data === 'object') {
          const id = reply.wire === 'openai' ? (data as ChatChunk).id : ((data as { message?: { id?: string } }).message?.id);
          if (typeof id === 'string' && same) {
            remember(id, headers['x-metaorch-trial']!);
            remembered = true;
          }
        }
        if (reply.wire === 'openai') chatSummary.push(data as ChatChunk);
        else messageSummary.push(data as MessageEvent);
        if (toChat) emit(toChat.push(data as MessageEvent));
        else if (toMessages) emit(toMessages.push(data as ChatChunk));
      }
    };
    try {
      for await (const chunk of reply.body as AsyncIterable<Uint8Array | string>) {
        // Same API both sides: the upstream's bytes go out as they came, before anything else is done
        // (event by event when the usage chunk the client did not ask for must be left out).
        if (same && !dropUsage) res.write(chunk);
        handle(parser.push(chunk));
      }
      handle(parser.end());
    } catch (error) {
      const message = redact(`the upstream's stream broke: ${(error as Error).message}`);
      res.end(streamErrorEvent(wire, 'upstream', message));
      throw error;
    }
    if (toChat) {
      emit(toChat.end());
    } else if (toMessages) {
      emit(toMessages.end());
    }
    res.end();
    return reply.wire === 'openai' ? chatSummary.summary() : messageSummary.summary();
  }

  /** A Responses API answer from a whole chat completion or Messages answer. */
  function answerResponseJson(res: ServerResponse, reply: Extract<UpstreamReply, { kind: 'json' }>, headers: Record<string, string>, ctx: ResponsesContext): AnswerSummary {
    const completion = reply.wire === 'openai' ? (reply.json as ChatCompletion) : messageToCompletion(reply.json as Message, { id: ctx.id, created: ctx.created });
    const summary = reply.wire === 'openai' ? summariseCompletion(completion) : summariseMessage(reply.json as Message);
    remember(ctx.id, headers['x-metaorch-trial']!);
    const text = JSON.stringify(completionToResponse(completion, ctx));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
    return summary;
  }

  /** The Responses event stream, from chat chunks (an Anthropic stream is translated to chunks first). */
  async function answerResponseStream(res: ServerResponse, reply: Extract<UpstreamReply, { kind: 'stream' }>, headers: Record<string, string>, ctx: ResponsesContext): Promise<AnswerSummary> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    res.flushHeaders();
    remember(ctx.id, headers['x-metaorch-trial']!);
    const parser = new SseParser();
    const chatSummary = new ChatStreamSummary();
    const messageSummary = new MessageStreamSummary();
    const toChat = reply.wire === 'anthropic' ? new AnthropicToChatStream({ id: ctx.id, created: ctx.created, includeUsage: true }) : null;
    const out = new ChatToResponsesStream(ctx);
    const emit = (events: OutEvent[]) => {
      for (const e of events) res.write(sseText(e.event, JSON.stringify(e.data)));
    };
    const chunks = (events: OutEvent[]) => {
      for (const e of events) if (typeof e.data === 'object') emit(out.push(e.data as ChatChunk));
    };
    const handle = (events: ReturnType<SseParser['push']>) => {
      for (const e of events) {
        if (e.data === '[DONE]' || e.data === '') continue;
        let data: unknown;
        try {
          data = JSON.parse(e.data);
        } catch {
          continue;
        }
        if (!data || typeof data !== 'object') continue;
        if (toChat) {
          messageSummary.push(data as MessageEvent);
          chunks(toChat.push(data as MessageEvent));
        } else {
          chatSummary.push(data as ChatChunk);
          emit(out.push(data as ChatChunk));
        }
      }
    };
    try {
      for await (const chunk of reply.body as AsyncIterable<Uint8Array | string>) handle(parser.push(chunk));
      handle(parser.end());
    } catch (error) {
      emit(out.fail(redact(`the upstream's stream broke: ${(error as Error).message}`)));
      res.end();
      throw error;
    }
    if (toChat) chunks(toChat.end());
    emit(out.end());
    res.end();
    return toChat ? messageSummary.summary() : chatSummary.summary();
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? config.port, o.host ?? config.host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    runs,
    close() {
      closing ??= (async () => {
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeIdleConnections();
        });
        const drainAll = Promise.allSettled([...inFlight, ...grading]);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([drainAll, new Promise<void>((r) => (timer = setTimeout(r, 10_000)))]);
        clearTimeout(timer);
        server.closeAllConnections();
        await Promise.all(runs.map((r) => r.close()));
        await Promise.all(upstreams.flat().map((u) => u.close?.().catch(() => undefined)));
        await Promise.all(judges.map((j) => j?.close()));
        closeAgents();
      })();
      return closing;
    },
  };
}

/** Anthropic's clients are known by their headers (or the path), everyone else speaks OpenAI's format. */
function wireOf(req: IncomingMessage): Wire {
  const path = req.url ?? '';
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (path.startsWith('/v1/chat') || path.startsWith('/v1/feedback') || path.startsWith('/v1/responses')) return 'openai';
  return req.headers['anthropic-version'] !== undefined || (req.headers['x-api-key'] !== undefined && req.headers['authorization'] === undefined) ? 'anthropic' : 'openai';
}

function classify(error: unknown, variant: string, timeoutMs: number | null, redact: (t: string) => string): AdapterError {
  if (error instanceof AdapterError) return error;
  if (timeoutMs !== null || error instanceof AttemptTimeout || (error as Error)?.name === 'TimeoutError') {
    return new AdapterError('timeout', `${variant}: timed out after ${timeoutMs ?? '?'}ms`, { retryable: true });
  }
  const kind: ErrorKind = 'network';
  return new AdapterError(kind, redact(`${variant}: ${(error as Error)?.message ?? String(error)}`), { retryable: true });
}

/** Reads the body, or null once it is larger than `limit` (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(null);
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        resolveBody(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolveBody(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function drain(req: IncomingMessage): void {
  req.resume();
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends an error answer; `close`: the connection is closed after it (the body was not read to its end). */
function send(res: ServerResponse, a: ErrorAnswer, close = false): void {
  res.writeHead(a.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(a.body), ...a.headers, ...(close ? { connection: 'close' } : {}) });
  res.end(a.body);
}
