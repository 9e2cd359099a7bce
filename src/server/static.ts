/**
 * The built dashboard (Vite output, shipped in the package as dist/dashboard): hashed assets with a long
 * cache, and index.html for every other page path (the pages route in the browser).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';

const here = dirname(fileURLToPath(import.meta.url));

/** dist/dashboard of this installation (also found when the server runs from src/ under tsx). */
export function dashboardDir(): string {
  const candidates = [resolve(here, '../dashboard'), resolve(here, '../../dist/dashboard')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0]!;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.map': 'application/json',
  '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
};

export function serveDashboard(dir: string) {
  const index = join(dir, 'index.html');
  return (c: Context): Response => {
    const path = decodeURIComponent(new URL(c.req.url).pathname);
    const file = normalize(join(dir, path));
    if (file.startsWith(dir + sep) && existsSync(file) && statSync(file).isFile()) {
      const immutable = path.startsWith('/assets/');
      return new Response(readFileSync(file), {
        headers: { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' },
      });
    }
    if (path.startsWith('/assets/') || extname(path) !== '') return c.text('Not found', 404);
    if (!existsSync(index)) {
      return c.text('The dashboard is not built: run `npm run build` in the meta-orchestrator folder (the API under /api works).', 503);
    }
    return new Response(readFileSync(index), { headers: { 'Content-Type': TYPES['.html']!, 'Cache-Control': 'no-cache' } });
  };
}
