import { Redis } from 'ioredis';
import { UsageError } from '../../model/errors.js';

/**
 * Connections to Redis for the bullmq executor and `metaorch worker`: a URL checked before use, a
 * bounded wait at start (an unreachable Redis is a clear error, exit 2), the eviction policy checked
 * (eviction silently loses BullMQ jobs), and reconnection forever once running.
 */

/**
 * Validates a Redis URL (`redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS).
 *
 * @example
 * parseRedisUrl('redis://localhost:6379/0', 'executor.redis');
 */
export function parseRedisUrl(raw: string, where: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${where}: '${maskSecret(raw)}' is not a URL: expected redis://host:6379 (or rediss:// for TLS), optionally with /DB`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError(`${where}: expected a redis:// or rediss:// URL, got ${url.protocol}// in ${maskUrl(url)}`);
  }
  if (!url.hostname) throw new UsageError(`${where}: no host in ${maskUrl(url)}: expected redis://host:6379`);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new UsageError(`${where}: the path of ${maskUrl(url)} must be a database number (/0), got /${db}`);
  return url;
}

/**
 * The URL as it may be shown: the password replaced by `***`.
 *
 * @example
 * maskUrl(new URL('redis://:s3cret@host:6379')); // 'redis://:***@host:6379'
 */
export function maskUrl(url: URL): string {
  if (!url.password) return url.toString();
  const copy = new URL(url.toString());
  copy.password = '***';
  return copy.toString();
}

function maskSecret(raw: string): string {
  return raw.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}

/** Connections this process closed on purpose: their 'close' is not an outage. */
const closing = new WeakSet<Redis>();

/**
 * Closes a connection without reporting it as lost.
 *
 * @example
 * closeRedis(redis);
 */
export function closeRedis(redis: Redis): void {
  closing.add(redis);
  redis.disconnect();
}

export interface ConnectOptions {
  /** How long to wait for the first connection before giving up. */
  timeoutMs: number;
  /** Where the URL came from, for messages (`executor.redis`, `--redis`). */
  where: string;
  /** Called (once per outage) when an established connection is lost, and when it is back. */
  onDown?: (error: string) => void;
  onUp?: () => void;
}

/**
 * Connects, waiting at most `timeoutMs` for Redis; afterwards reconnects forever (commands queue
 * meanwhile). Rejects with a UsageError (exit 2) naming the URL (password masked) and the last error.
 *
 * @example
 * const redis = await connectRedis(url, { timeoutMs: 10_000, where: '--redis' });
 */
export async function connectRedis(url: URL, o: ConnectOptions): Promise<Redis> {
  let lastError = '';
  let ready = false;
  let down = false;
  const redis = new Redis(url.toString(), {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectTimeout: Math.min(o.timeoutMs, 10_000),
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    lazyConnect: false,
  });
  redis.on('error', (error: Error) => {
    lastError = error.message;
    if (ready && !down && !closing.has(redis)) {
      down = true;
      o.onDown?.(error.message);
    }
  });
  redis.on('close', () => {
    if (ready && !down && !closing.has(redis)) {
      down = true;
      o.onDown?.(lastError || 'connection closed');
    }
  });
  redis.on('ready', () => {
    if (down) o.onUp?.();
    down = false;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timeout')), o.timeoutMs);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } catch {
    closeRedis(redis);
    throw new UsageError(
      `${o.where}: cannot reach Redis at ${maskUrl(url)} within ${Math.round(o.timeoutMs / 100) / 10}s${lastError ? ` (${lastError})` : ''}: start it, or point ${o.where} at a running one`,
    );
  }
  ready = true;
  return redis;
}

/**
 * Refuses a Redis that may evict keys: BullMQ's jobs would disappear without a trace.
 *
 * @example
 * await requireNoEviction(redis, url, 'executor.redis');
 */
export async function requireNoEviction(redis: Redis, url: URL, where: string): Promise<void> {
  const info = await redis.info('memory');
  const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
  if (policy !== undefined && policy !== 'noeviction') {
    throw new UsageError(
      `${where}: Redis at ${maskUrl(url)} has maxmemory-policy ${policy}: it may evict BullMQ jobs, which would then be lost without a trace. ` +
        "Set it to noeviction (in redis.conf: 'maxmemory-policy noeviction', or redis-cli CONFIG SET maxmemory-policy noeviction).",
    );
  }
}
