/**
 * The web console's built files (packages/console/dist): `/` and every `/ui/…` page answer index.html
 * (the console routes in the browser), `/ui/assets/…` the hashed bundles, cached for a year since a new
 * build has new names. Brotli/gzip twins written by the build are served to browsers that accept them.
 * Without a build, `/` says so plainly and the API works as before.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
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

function filesUnder(root: string): Set<string> {
  const files = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.add(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return files;
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

  const files = filesUnder(dist);
  // The page cache headers are set here; @fastify/static keeps ETag/Last-Modified and ranges.
  await app.register(fastifyStatic, { root: dist, serve: false, cacheControl: false, preCompressed: true });

  const sendPage = (reply: FastifyReply) =>
    reply.headers({ ...pageSecurityHeaders, 'cache-control': 'no-cache' }).sendFile('index.html');

  app.get('/', ui, async (_request, reply) => sendPage(reply));
  app.get('/ui', ui, async (_request, reply) => reply.redirect('/ui/'));
  app.get<{ Params: { '*': string } }>('/ui/*', ui, async (request, reply) => {
    const path = request.params['*'];
    if (path.startsWith('assets/')) {
      if (!files.has(path)) {
        // An old page asking for a bundle of an earlier build: a 404, never the page as JavaScript.
        return reply
          .code(404)
          .send({ error: 'not_found', message: `no console asset ${path}: reload the page` });
      }
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(path);
    }
    if (files.has(path) && path !== 'index.html') {
      return reply.header('cache-control', 'public, max-age=3600').sendFile(path);
    }
    return sendPage(reply);
  });
}
