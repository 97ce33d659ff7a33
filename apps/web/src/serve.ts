/**
 * A static server for the built page and a converted artifacts directory, with the COOP/COEP
 * headers that make the page cross-origin isolated (so onnxruntime-web may use threads).
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
};

/** Serves `root` at /, and each `mounts` directory at its URL prefix (e.g. '/models/demo/'); `requests` lists the paths asked for. */
export async function serveStatic(root: string, mounts: Record<string, string>, isolated = true): Promise<{ url: string; close: () => Promise<void>; requests: string[] }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const mount = Object.keys(mounts).find((m) => path.startsWith(m));
    const base = mount ? mounts[mount]! : root;
    const relative = mount ? path.slice(mount.length) : path === '/' ? 'index.html' : path.slice(1);
    const file = normalize(join(base, relative));
    if (!file.startsWith(resolve(base) + sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (bytes) => {
        res.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-length': bytes.length,
          ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' } : {}),
        });
        res.end(bytes);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())), requests };
}
