/**
 * An `ArtifactCache` on the browser's Cache API (pages and workers of a secure context), so a model
 * is downloaded once per origin; entries are keyed by sha256, and fetchArtifacts checks the sha256 of
 * what it reads back before using it.
 */
import type { ArtifactCache } from './fetch-artifacts.js';

/** The Cache API's store named `name`, or null where there is none (Node, an insecure context). */
export function cacheStorageArtifactCache(name = 'mule-ts-artifacts'): ArtifactCache | null {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (!storage) return null;
  // Cache keys are requests: a same-origin path that is never fetched from the network.
  const key = (sha256: string): string => new URL(`/.mule-ts-cache/${sha256}`, globalThis.location?.href ?? 'https://localhost/').toString();
  return {
    async get(sha256) {
      const hit = await (await storage.open(name)).match(key(sha256));
      return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
    },
    async put(sha256, bytes) {
      await (await storage.open(name)).put(key(sha256), new Response(bytes as Uint8Array<ArrayBuffer>));
    },
  };
}
