/**
 * Builds the console into dist/ for the server to serve under /ui/ (hashed bundles in dist/assets), and
 * writes a brotli and a gzip twin of every text file so the server sends them compressed at no CPU cost.
 * `pnpm --filter @cdflow/console dev` serves it with hot reload and proxies the API to a running server.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const compressible = /\.(js|css|html|svg|json)$/;

function precompress(outDir: string): Plugin {
  return {
    name: 'cdflow-precompress',
    apply: 'build',
    closeBundle() {
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else if (compressible.test(name)) {
            const bytes = readFileSync(path);
            writeFileSync(
              `${path}.br`,
              brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
            );
            writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
          }
        }
      };
      walk(outDir);
    },
  };
}

const apiTarget = process.env.CDFLOW_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/ui/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  plugins: [precompress('dist')],
  server: { proxy: { '/api': { target: apiTarget, changeOrigin: false } } },
});
