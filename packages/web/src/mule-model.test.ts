// @mule-ts/web run in Node (onnxruntime-web's WebAssembly backend, the global fetch and
// SubtleCrypto) against artifacts served over HTTP from a converted, verified small fixture: the
// embeddings equal the Node runtime's for the same audio, and a file whose bytes differ from the
// manifest, or unverified artifacts, are refused. The browser itself is tested by the page's tests.
import { createServer, type Server } from 'node:http';
import { copyFile, cp, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { convertKerasFile } from '@mule-ts/convert';
import { MULE_RESAMPLING, resampleForModel } from '@mule-ts/core';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { MuleModel as NodeModel } from '@mule-ts/runtime';
import { cosineAndMaxAbs, describePythonLookup, encodePcm16Wav, findPython, makeTempDir } from '@mule-ts/test-utils';
import { generateTestSignal, resolveThresholds, upstreamMono, verifyArtifacts } from '@mule-ts/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MuleModel, type DownloadProgress } from './index.js';

const lookup = findPython(['numpy', 'h5py']);
if (!lookup.python) console.warn(`skipping the @mule-ts/web runs: verifying the fixture needs python3 with numpy and h5py (${describePythonLookup(lookup)})`);

describe.skipIf(!lookup.python)('@mule-ts/web in Node (onnxruntime-web, wasm)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let server: Server;
  let base = '';
  const requests: string[] = [];
  const path = (...p: string[]): string => join(tmp.dir, ...p);
  const signal = generateTestSignal({ seconds: 7, seed: 3 });

  beforeAll(async () => {
    tmp = await makeTempDir('mule-web-');
    await writeKerasFixture({ size: 'small', seed: 8, out: path('m.keras') });
    await convertKerasFile({ keras: path('m.keras'), outDir: path('served', 'verified') });
    const verified = await verifyArtifacts({ onnx: true, artifacts: path('served', 'verified'), runner: 'python', thresholds: resolveThresholds() });
    expect(verified.result.verdict).toBe('pass');
    await cp(path('served', 'verified'), path('served', 'tampered'), { recursive: true });
    const onnx = await readFile(path('served', 'tampered', 'backbone.onnx'));
    onnx[onnx.length - 5]! ^= 1;
    await writeFile(path('served', 'tampered', 'backbone.onnx'), onnx);
    await convertKerasFile({ keras: path('m.keras'), outDir: path('served', 'unverified') });
    await writeFile(path('clip.wav'), encodePcm16Wav({ channels: signal.channels.map((c) => Int16Array.from(c)), sampleRate: signal.sampleRate }));
    await copyFile(path('clip.wav'), path('served', 'clip.wav'));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const file = normalize(join(path('served'), decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
      readFile(file).then(
        (bytes) => {
          res.writeHead(200, { 'content-length': bytes.length });
          res.end(bytes);
        },
        () => {
          res.writeHead(404);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await tmp?.cleanup();
  });

  it('embeds a waveform and a WAV file as the Node runtime does (cosine >= 0.999999, max-abs <= 1e-5), with download progress', async () => {
    const progress: DownloadProgress[] = [];
    const web = await MuleModel.load(`${base}/verified/`, { onProgress: (p) => progress.push(p) });
    const node = await NodeModel.load(path('served', 'verified'));
    try {
      expect(web.verification.verified).toBe(true);
      const last = progress.filter((p) => p.file === 'backbone.onnx').at(-1)!;
      expect(last.loadedBytes).toBe(last.totalBytes);
      const waveform = resampleForModel(upstreamMono(signal), signal.sampleRate, MULE_RESAMPLING);
      const a = await web.embed(waveform);
      const b = await node.embed(waveform);
      expect(a.sliceCount).toBe(b.sliceCount);
      expect(a.centres).toEqual(b.centres);
      const clip = cosineAndMaxAbs(a.embedding!, b.embedding!);
      const timeline = cosineAndMaxAbs(a.timeline, b.timeline);
      console.log(`web (onnxruntime-web wasm) vs Node (onnxruntime-node): clip cosine 1-${(1 - clip.cosine).toExponential(1)}, max-abs ${clip.maxAbs.toExponential(2)}; timeline max-abs ${timeline.maxAbs.toExponential(2)}`);
      expect(clip.cosine).toBeGreaterThanOrEqual(0.999999);
      expect(timeline.maxAbs).toBeLessThanOrEqual(1e-5);

      const blob = new Blob([await readFile(path('clip.wav'))]);
      const fromFile = await web.embedFile(blob, 'clip.wav');
      const nodeFile = await node.embedFile(path('clip.wav'), { decoder: 'wav' });
      expect(fromFile.audio).toMatchObject({ decoder: 'wav', sampleRate: 44_100, channelCount: 2 });
      expect(cosineAndMaxAbs(fromFile.embedding!, nodeFile.embedding!).maxAbs).toBeLessThanOrEqual(1e-5);
      await expect(web.embedFile(new Blob([Uint8Array.of(0xff, 0xfb, 0x90, 0x00)]), 'song.mp3')).rejects.toThrow(/song\.mp3: decoding anything but WAV needs WebAudio/);
    } finally {
      await web.close();
      await node.close();
    }
  });

  it('refuses bytes that differ from the manifest and unverified artifacts, naming the reason', async () => {
    await expect(MuleModel.load(`${base}/tampered`)).rejects.toThrow(/backbone\.onnx: sha256 [0-9a-f]{64} differs from the manifest's/);
    await expect(MuleModel.load(`${base}/unverified`)).rejects.toThrow(/are not verified: config\.json and backbone\.onnx have no passing verification record/);
    await expect(MuleModel.load(`${base}/nowhere`)).rejects.toThrow(/nowhere\/manifest\.json: HTTP 404/);
    const warnings: string[] = [];
    const model = await MuleModel.load(`${base}/unverified`, { requireVerified: false, onWarning: (w) => warnings.push(w) });
    expect(warnings[0]).toMatch(/running artifacts that are not verified/);
    await model.close();
  });

  it("falls back to WebAssembly where there is no WebGPU and says why; refuses when WebGPU was required", async () => {
    const auto = await MuleModel.load(`${base}/verified`);
    expect(auto.backend).toBe('wasm');
    expect(auto.backendNote).toMatch(/WebAssembly: this browser has no WebGPU \(navigator\.gpu is absent\)/);
    await auto.close();
    await expect(MuleModel.load(`${base}/verified`, { backend: 'webgpu' })).rejects.toThrow(/WebGPU was asked for, but this browser has no WebGPU/);
    const wasm = await MuleModel.load(`${base}/verified`, { backend: 'wasm' });
    expect([wasm.backend, wasm.backendNote]).toEqual(['wasm', 'WebAssembly, as asked']);
    await wasm.close();
  });

  it('a cache keyed by sha256 serves the second load without downloading the backbone again', async () => {
    const store = new Map<string, Uint8Array>();
    const cache = { get: async (k: string) => store.get(k) ?? null, put: async (k: string, v: Uint8Array) => void store.set(k, v) };
    await (await MuleModel.load(`${base}/verified`, { cache })).close();
    requests.length = 0;
    const again = await MuleModel.load(`${base}/verified`, { cache });
    await again.close();
    expect(requests).toEqual(['/verified/manifest.json']);
    // a cached copy whose bytes changed (storage can rot) is not used: downloaded and checked again
    for (const [k, v] of store) store.set(k, Uint8Array.from(v, (b, i) => (i === 100 ? b ^ 1 : b)));
    requests.length = 0;
    await (await MuleModel.load(`${base}/verified`, { cache })).close();
    expect(requests).toEqual(['/verified/manifest.json', '/verified/config.json', '/verified/backbone.onnx']);
  });
});
