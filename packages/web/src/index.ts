/**
 * @mule-ts/web: MULE embeddings in the browser, from verified artifacts served at a URL.
 * @packageDocumentation
 */
export { MuleModel, decodeBlob, isWav, type DecodedAudioInfo, type WebBackend, type WebModelOptions } from './mule-model.js';
export { fetchArtifacts, sha256Hex, type ArtifactCache, type DownloadProgress, type FetchArtifactsOptions, type FetchedArtifacts } from './fetch-artifacts.js';
export { cacheStorageArtifactCache } from './cache-storage.js';
