/**
 * The web console's built files (packages/console/dist): `/` and every `/ui/…` page answer index.html
 * (the console routes in the browser), `/ui/assets/…` the hashed bundles, cached for a year since a new
 * build has new names. Brotli/gzip twins written by the build are served to browsers that accept them.
 * Without a build, `/` says so plainly and the API works as before.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { CdflowApp, RouteContext } from '../route-context.js';

/** packages/console/dist of the installed @cdflow/console, or null when the package is not installed. */
export function defaultConsoleDist(): string | null {
  try {
    const manifest = createRequire(import.meta.url).resolve('@cdflow/console/package.json');
    return join(dirname(manifest), 'dist');
  } catch {
    return null;
  }
}

/** The page runs only its own scripts and talks only to this server. */
const pageSecurityHeaders = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const notBuiltPage = (where: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cdflow: console not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The cdflow console is not built</h1>
<p>The server looked for it in <code>${where}</code> and found no <code>index.html</code>.</p>
<p>Build it with <code>npx --yes pnpm@10 build</code> (<code>pnpm start</code> builds first), then reload.
The API works without it: <a href="/docs">/docs</a>.</p>
<p>控制台尚未构建：请运行 <code>npx --yes pnpm@10 build</code> 后刷新。</p>
</body></html>`;

export async function registerConsoleAssets(app: CdflowApp, { config }: RouteContext): Promise<void> {
  const dist = config.console.distDir ?? defaultConsoleDist();
  const indexFile = dist === null ? null : join(dist, 'index.html');
  const ui = { schema: { hide: true } };

  if (dist === null || indexFile === null || !existsSync(indexFile)) {
    const where = dist ?? 'packages/console/dist (the @cdflow/console package is not installed)';
    app.log.warn({ dist: where }, 'the web console is not built: / explains how to build it');
    const answer = async (_request: unknown, reply: FastifyReply) =>
      reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(notBuiltPage(where.replaceAll('<', '&lt;')));
    app.get('/', ui, answer);
    app.get('/ui/*', ui, answer);
    return;
  }

  // The page cache headers are set here; @fastify/static keeps ETag/Last-Modified and ranges.
  await app.register(fastifyStatic, { root: dist, serve: false, cacheControl: false, preCompressed: true });

  const sendPage = (reply: FastifyReply) =>
    reply.headers({ ...pageSecurityHeaders, 'cache-control': 'no-cache' }).sendFile('index.html');

  app.get('/', ui, async (_request, reply) => sendPage(reply));
  app.get('/ui', ui, async (_request, reply) => reply.redirect('/ui/'));
  app.get<{ Params: { '*': string } }>('/ui/*', ui, async (request, reply) => {
    const path = request.params['*'];
    // Bundles have content hashes in their names: cached for good. One that is not there (an old page
    // asking for a bundle of an earlier build) is a 404 from @fastify/static, never the page as JavaScript.
    if (path.startsWith('assets/')) {
      // send sets Cache-Control only when it serves the file (a 404 must not be cached for a year).
      return reply.sendFile(path, { cacheControl: true, maxAge: '365d', immutable: true });
    }
    // Any other address under /ui/ is a page of the console, which routes in the browser.
    return sendPage(reply);
  });
}
