import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

// Cross-origin isolation (COOP/COEP) lets onnxruntime-web run its WebAssembly on several threads.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const artifacts = resolve(import.meta.dirname, '..', '..', 'artifacts');

/** `pnpm web` serves the repository's converted artifacts (artifacts/NAME, e.g. after pnpm demo) at /models/NAME/. */
function serveArtifacts(): Plugin {
  return {
    name: 'mule-artifacts',
    configureServer(server) {
      server.middlewares.use('/models', (req, res, next) => {
        const file = resolve(artifacts, decodeURIComponent((req.url ?? '/').split('?')[0]!).replace(/^\/+/, ''));
        if (!file.startsWith(artifacts + sep)) return next();
        readFile(file).then(
          (bytes) => {
            res.writeHead(200, { 'content-length': bytes.length, 'Cross-Origin-Resource-Policy': 'same-origin', ...isolation });
            res.end(bytes);
          },
          () => next(),
        );
      });
    },
  };
}

export default defineConfig({
  plugins: [serveArtifacts()],
  resolve: { conditions: ['source'] },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { target: 'es2022' },
  worker: { format: 'es' },
});
