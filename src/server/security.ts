/**
 * The server's guards: Host checking (against DNS rebinding), security headers on every response, and
 * the token + Origin / Sec-Fetch-Site checks on routes that change anything. No CORS headers are ever
 * sent, so other origins cannot read any response.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

export const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/** A random token for launch and stop, unless the user gave one. */
export function newToken(): string {
  return randomBytes(18).toString('base64url');
}

/** Host headers accepted for a server listening on `host:port`. Null accepts any (all interfaces). */
export function allowedHosts(host: string, port: number): Set<string> | null {
  if (host === '0.0.0.0' || host === '::') return null;
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', host.includes(':') && !host.startsWith('[') ? `[${host}]` : host]);
  return new Set([...names].map((n) => `${n}:${port}`));
}

/** Rejects requests whose Host header is not this server's (a page of another site resolving to 127.0.0.1). */
export function hostGuard(hosts: () => Set<string> | null): MiddlewareHandler {
  return async (c, next) => {
    const allowed = hosts();
    const host = c.req.header('host') ?? '';
    if (allowed && !allowed.has(host.toLowerCase())) {
      return c.json({ error: { code: 'FORBIDDEN_HOST', message: `Host '${host}' is not this server` } }, 403);
    }
    await next();
  };
}

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
  };
}

/** True when the request carries the token (Authorization: Bearer T, or X-Metaorch-Token: T). */
export function hasToken(header: string | undefined, alt: string | undefined, token: string): boolean {
  const given = header?.startsWith('Bearer ') ? header.slice(7) : alt;
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * For routes that launch, stop, or read and validate project files: the token, a same-origin request
 * (Origin, when sent, must be this server; Sec-Fetch-Site, when sent, same-origin or none), and JSON
 * bodies only.
 */
export function requireToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    const site = c.req.header('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none') {
      return c.json({ error: { code: 'FORBIDDEN_ORIGIN', message: `cross-site request refused (Sec-Fetch-Site: ${site})` } }, 403);
    }
    const origin = c.req.header('origin');
    if (origin && origin !== `http://${c.req.header('host') ?? ''}`) {
      return c.json({ error: { code: 'FORBIDDEN_ORIGIN', message: `cross-origin request refused (Origin: ${origin})` } }, 403);
    }
    if (!hasToken(c.req.header('authorization'), c.req.header('x-metaorch-token'), token)) {
      return c.json({ error: { code: 'UNAUTHORIZED', message: 'this action needs the token printed by `metaorch serve` (open the link it printed, or paste the token)' } }, 401);
    }
    if (c.req.method === 'POST' && !(c.req.header('content-type') ?? '').startsWith('application/json')) {
      return c.json({ error: { code: 'BAD_REQUEST', message: 'expected a JSON body (Content-Type: application/json)' } }, 415);
    }
    await next();
  };
}
