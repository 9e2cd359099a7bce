/** Typed calls to the dashboard API; the launch/stop token rides in a header, never in a cookie. */
import type { ApiError, ConfigIssueItem } from '../../src/server/api-types.js';

const TOKEN_KEY = 'metaorch-token';

/** Takes `#token=...` from the link `metaorch serve` printed, keeps it, and removes it from the URL. */
export function adoptTokenFromUrl(): void {
  const m = /(?:^#|&)token=([\w-]+)/.exec(location.hash);
  if (m?.[1]) {
    setToken(m[1]);
    history.replaceState(history.state, '', location.pathname + location.search);
  }
}

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lasts until the page reloads
  }
}

/** An API failure with the server's code, message and (for configs) issues. */
export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly issues: ConfigIssueItem[] = []) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiFailure(0, 'NETWORK', 'Cannot reach the metaorch server. Is `metaorch serve` still running?');
  }
  const data = (await response.json().catch(() => null)) as (T & Partial<ApiError>) | null;
  if (!response.ok || data === null) {
    const err = data?.error;
    throw new ApiFailure(response.status, err?.code ?? 'HTTP', err?.message ?? `HTTP ${response.status}`, err?.issues ?? []);
  }
  return data;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown) => request<T>('POST', path, body),
};

/** `?a=1&b=2` from an object, skipping empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
