/**
 * Converted artifacts from a static URL, as the browser gets them: manifest.json, then config.json
 * and the backbone file, each with download progress, each sha256-checked with SubtleCrypto
 * against the manifest, and the pair refused unless a verification record covers their bytes,
 * exactly as the Node runtime decides (core's `verificationStatus`).
 */
import {
  MANIFEST_FILE_NAME,
  MODEL_CONFIG_FILE_NAME,
  MuleError,
  backboneFileName,
  parseManifest,
  parseModelConfig,
  refuseUnlessVerified,
  verificationStatus,
  type ArtifactManifest,
  type BackbonePrecision,
  type ModelConfig,
  type VerificationStatus,
} from '@mule-ts/core';

export interface DownloadProgress {
  file: string;
  loadedBytes: number;
  /** From the manifest (or Content-Length); 0 when unknown. */
  totalBytes: number;
  /** Read from the cache rather than downloaded. */
  fromCache?: boolean;
}

/** Where verified bytes may be kept between visits, keyed by their sha256 (so a stale entry can never be used). */
export interface ArtifactCache {
  get(sha256: string): Promise<Uint8Array | null>;
  put(sha256: string, bytes: Uint8Array): Promise<void>;
}

export interface FetchArtifactsOptions {
  precision?: BackbonePrecision;
  /** Refuse artifacts without a passing verification record for these bytes (default true). */
  requireVerified?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  onWarning?: (message: string) => void;
  cache?: ArtifactCache | null;
  /** Default: globalThis.fetch. */
  fetch?: typeof fetch;
}

export interface FetchedArtifacts {
  baseUrl: string;
  manifest: ArtifactManifest;
  config: ModelConfig;
  backbone: Uint8Array;
  backboneFile: string;
  verification: VerificationStatus;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function urlOf(baseUrl: string, file: string): string {
  return new URL(file, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
}

async function download(fetchFn: typeof fetch, url: string, file: string, expected: number, onProgress?: (p: DownloadProgress) => void): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (cause) {
    throw new MuleError('IO', `${url}: the download failed (${(cause as Error).message})`, { file: url, cause, hint: 'check the model URL and that the server allows this page to fetch it (CORS)' });
  }
  if (!response.ok) throw new MuleError('IO', `${url}: HTTP ${response.status} ${response.statusText}`, { file: url, hint: 'check the model URL: it must hold a directory written by mule convert' });
  const total = expected || Number(response.headers.get('content-length') ?? 0);
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.({ file, loadedBytes: bytes.length, totalBytes: total });
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.({ file, loadedBytes: loaded, totalBytes: total });
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/** The manifest's entry for `file`; MISSING_MEMBER naming the manifest when it lists none. */
function listedEntry(baseUrl: string, manifest: ArtifactManifest, file: string): ArtifactManifest['files'][string] {
  const entry = manifest.files[file];
  if (entry) return entry;
  const manifestUrl = urlOf(baseUrl, MANIFEST_FILE_NAME);
  throw new MuleError('MISSING_MEMBER', `${manifestUrl} lists no ${file}`, {
    file: manifestUrl,
    hint: file.startsWith('backbone-') ? `convert with that variant (mule convert --variants ...), or choose another precision` : 'convert the Keras file again (mule convert)',
  });
}

/** One file the manifest lists: from the cache when its sha256 is there, else downloaded and checked. */
async function listedFile(baseUrl: string, manifest: ArtifactManifest, file: string, options: FetchArtifactsOptions, fetchFn: typeof fetch): Promise<Uint8Array> {
  const entry = listedEntry(baseUrl, manifest, file);
  // A cached copy is used only if its bytes still hash to the manifest's sha256 (storage can rot).
  const cached = (await options.cache?.get(entry.sha256).catch(() => null)) ?? null;
  if (cached && (await sha256Hex(cached)) === entry.sha256) {
    options.onProgress?.({ file, loadedBytes: cached.length, totalBytes: entry.bytes, fromCache: true });
    return cached;
  }
  const url = urlOf(baseUrl, file);
  const bytes = await download(fetchFn, url, file, entry.bytes, options.onProgress);
  const sha256 = await sha256Hex(bytes);
  if (sha256 !== entry.sha256) {
    throw new MuleError('CHECKSUM_MISMATCH', `${url}: sha256 ${sha256} differs from the manifest's ${entry.sha256}`, {
      file: url,
      hint: 'the server holds other bytes than the conversion wrote: copy the artifacts directory again',
    });
  }
  await options.cache?.put(entry.sha256, bytes).catch((e: unknown) => options.onWarning?.(`${file}: not cached (${(e as Error).message})`));
  return bytes;
}

export async function fetchArtifacts(baseUrl: string, options: FetchArtifactsOptions = {}): Promise<FetchedArtifacts> {
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const manifestUrl = urlOf(baseUrl, MANIFEST_FILE_NAME);
  const manifestBytes = await download(fetchFn, manifestUrl, MANIFEST_FILE_NAME, 0, options.onProgress);
  const manifest = parseManifest(new TextDecoder().decode(manifestBytes), manifestUrl);
  const precision = options.precision ?? 'fp32';
  const backboneFile = backboneFileName(precision);
  const files = [MODEL_CONFIG_FILE_NAME, backboneFile];
  for (const f of files) listedEntry(baseUrl, manifest, f);
  const verification = verificationStatus(manifest, files);
  refuseUnlessVerified(
    verification,
    {
      label: baseUrl,
      file: manifestUrl,
      hint: `verify them where they were converted: mule verify --onnx${precision === 'fp32' ? '' : ` --precision ${precision}`} --artifacts DIR; or load them unverified: { requireVerified: false }`,
    },
    { ...(options.requireVerified === undefined ? {} : { requireVerified: options.requireVerified }), warn: (m) => options.onWarning?.(m) },
  );
  const configBytes = await listedFile(baseUrl, manifest, MODEL_CONFIG_FILE_NAME, options, fetchFn);
  const config = parseModelConfig(new TextDecoder().decode(configBytes), urlOf(baseUrl, MODEL_CONFIG_FILE_NAME));
  const backbone = await listedFile(baseUrl, manifest, backboneFile, options, fetchFn);
  return { baseUrl, manifest, config, backbone, backboneFile, verification };
}
