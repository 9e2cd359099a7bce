/**
 * The most frequent error messages of a run, with what to check when the cause is a known one: a run
 * whose every trial failed says why ("openai: HTTP 404 ... does baseURL end in /v1?"), not only how
 * many failed of each kind. Pure: fed one errored trial at a time, or one GROUP BY row at a time.
 */

/** One distinct error message, how often it happened and to which variants. */
export interface TopError {
  message: string;
  kind: string;
  count: number;
  /** Occurrences by variant id. */
  variants: Record<string, number>;
  /** What to check, when the message is a known one; else null. */
  hint: string | null;
}

/** Messages kept apart at most (a run of distinct messages keeps a bounded tally). */
const MAX_DISTINCT = 1000;
/** Longest message kept: enough to recognise it, short enough for a table cell. */
const MAX_MESSAGE = 300;

/**
 * Counts errors by message.
 *
 * @example
 * const tally = new ErrorTally();
 * for (const t of trials) if (t.status === 'error') tally.add(t.variantId, t.errorKind ?? 'unknown', t.error ?? '');
 * tally.top(5);
 */
export class ErrorTally {
  private readonly byMessage = new Map<string, { kind: string; count: number; variants: Record<string, number> }>();
  /** Errors whose message arrived after MAX_DISTINCT others: counted, not listed. */
  private overflow = 0;

  add(variantId: string, kind: string, message: string, count = 1): void {
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}...` : message || `(no message: ${kind})`;
    let entry = this.byMessage.get(text);
    if (!entry) {
      if (this.byMessage.size >= MAX_DISTINCT) {
        this.overflow += count;
        return;
      }
      this.byMessage.set(text, (entry = { kind, count: 0, variants: {} }));
    }
    entry.count += count;
    entry.variants[variantId] = (entry.variants[variantId] ?? 0) + count;
  }

  /** The `n` most frequent messages, most frequent first (ties in the order first seen). */
  top(n = 5): TopError[] {
    return [...this.byMessage]
      .sort((a, b) => b[1].count - a[1].count)
      .slice(0, n)
      .map(([message, e]) => ({ message, kind: e.kind, count: e.count, variants: e.variants, hint: errorHint(e.kind, message) }));
  }

  /** Errors not among the top `n`. */
  others(n = 5): number {
    const listed = this.top(n).reduce((s, e) => s + e.count, 0);
    let total = this.overflow;
    for (const e of this.byMessage.values()) total += e.count;
    return total - listed;
  }
}

/** Known causes, by what the message says: the first that matches gives the hint. */
const HINTS: [test: (kind: string, message: string) => boolean, hint: string][] = [
  [(_k, m) => /^openai: HTTP 404\b/.test(m) && /model/i.test(m) && !/<html|cannot (get|post)/i.test(m), 'check the model name: the server does not know it'],
  [(_k, m) => /^openai: HTTP 404\b/.test(m), 'does baseURL end in /v1? An OpenAI-compatible server answers at BASE/v1/chat/completions'],
  [(_k, m) => /^anthropic: HTTP 404\b/.test(m), 'check the model name, and that baseURL has no /v1 (the SDK adds /v1/messages)'],
  [(_k, m) => /HTTP 401\b/.test(m), "check the key's env var: is the variable in the variant's apiKey (e.g. ${OPENAI_API_KEY}) set to a valid key for this server?"],
  [(_k, m) => /HTTP 403\b/.test(m), "check the key's env var and its permissions: the server refused this key for this model"],
  [(k, m) => k === 'rate_limit' || /HTTP 429\b/.test(m), "rate limited: lower concurrency, or set the variant's rateLimit (requests per minute) or maxConcurrency"],
  [(_k, m) => /HTTP 400\b/.test(m) && /max_tokens|max_completion_tokens/.test(m), "the server refused the token limit: try the variant's maxTokens, or params: { max_tokens: N }"],
  [(_k, m) => /ECONNREFUSED/.test(m), "nothing listens at the server's address: is it running, and is baseURL's host and port right?"],
  [(_k, m) => /ENOTFOUND|EAI_AGAIN/.test(m), "the host name in baseURL does not resolve: check it (and the network)"],
  [(k, m) => k === 'timeout' || /timed out/.test(m), 'raise the timeout (of the variant or the experiment), or lower concurrency if the server queues requests'],
  [(_k, m) => /ENOENT|command not found|not found on PATH/i.test(m), 'is the command installed, and on the PATH of the process running metaorch?'],
  [(k) => k === 'scorer', "a scorer failed on the output: see its message (a javascript scorer's function threw, or a judge's reply had no score)"],
];

/**
 * What to check for an error, when its message names a known cause; null otherwise.
 *
 * @example
 * errorHint('client', 'openai: HTTP 404: Not Found'); // 'does baseURL end in /v1? ...'
 */
export function errorHint(kind: string, message: string): string | null {
  return HINTS.find(([test]) => test(kind, message))?.[1] ?? null;
}
