// The page in a real Chromium (Debian's, driven by playwright-core): it loads a converted, verified
// fixture from the server, embeds a generated WAV dropped into it, and the embedding equals the Node
// runtime's for the same file, on the threaded WebAssembly path (cross-origin isolated) and on the
// single-threaded one (served without COOP/COEP). A screenshot goes to artifacts/browser/.
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { convertKerasFile } from '@mule-ts/convert';
import { decodeNpy } from '@mule-ts/core';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { MULE_FRONT_END } from '@mule-ts/core';
import { MuleModel, decodeWithFfmpeg, findFfmpeg } from '@mule-ts/runtime';
import { cosineAndMaxAbs, encodePcm16Wav, makeTempDir, upstreamGoldensDir } from '@mule-ts/test-utils';
import { generateTestSignal, resolveThresholds, verifyArtifacts } from '@mule-ts/verify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from './serve.js';

const CHROMIUM = process.env.MULE_CHROMIUM ?? '/usr/bin/chromium';
const MARKUP_NAME = '<img src=x onerror=alert(1)>clip.wav';
const here = dirname(fileURLToPath(import.meta.url));
const appDir = resolve(here, '..');
const screenshots = resolve(appDir, '..', '..', 'artifacts', 'browser');
if (!existsSync(CHROMIUM)) console.warn(`skipping the browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set MULE_CHROMIUM)`);

/** The lag (in [-maxLag, maxLag]) at which `got` best lines up with `want`, by correlation over a middle stretch. */
function bestLag(got: Float32Array, want: Float32Array, maxLag: number): number {
  const from = Math.floor(want.length / 3);
  const to = Math.min(from + 44_100, want.length - maxLag, got.length - maxLag);
  let best = 0;
  let bestScore = -Infinity;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let score = 0;
    for (let i = from; i < to; i++) score += want[i]! * (got[i + lag] ?? 0);
    if (score > bestScore) [best, bestScore] = [lag, score];
  }
  return best;
}

/** Sample-level difference after alignment: max-abs and the signal-to-difference ratio in dB, over the overlap. */
function sampleDifference(got: Float32Array, want: Float32Array): { lag: number; maxAbs: number; snrDb: number; lengthDiff: number } {
  const lag = bestLag(got, want, 3000);
  let maxAbs = 0;
  let signal = 0;
  let noise = 0;
  for (let i = Math.max(0, -lag); i < want.length && i + lag < got.length; i++) {
    const d = got[i + lag]! - want[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(d));
    signal += want[i]! ** 2;
    noise += d * d;
  }
  return { lag, maxAbs, snrDb: noise === 0 ? Infinity : 10 * Math.log10(signal / noise), lengthDiff: got.length - want.length };
}

describe.skipIf(!existsSync(CHROMIUM))('the page in Chromium', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let browser: Browser;
  let nodeEmbedding: Float32Array;

  beforeAll(async () => {
    tmp = await makeTempDir('mule-page-');
    await promisify(execFile)(process.execPath, [resolve(appDir, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', join(tmp.dir, 'dist'), '--emptyOutDir'], { cwd: appDir });
    await writeKerasFixture({ size: 'small', seed: 8, out: join(tmp.dir, 'm.keras') });
    await convertKerasFile({ keras: join(tmp.dir, 'm.keras'), outDir: join(tmp.dir, 'model') });
    const verified = await verifyArtifacts({ onnx: true, artifacts: join(tmp.dir, 'model'), runner: 'python', thresholds: resolveThresholds() });
    expect(verified.result.verdict).toBe('pass');
    const signal = generateTestSignal({ seconds: 7, seed: 3 });
    // A file name that would be markup if the page wrote it as HTML.
    await writeFile(join(tmp.dir, 'clip.wav'), encodePcm16Wav({ channels: signal.channels.map((c) => Int16Array.from(c)), sampleRate: signal.sampleRate }));
    await copyFile(join(tmp.dir, 'clip.wav'), join(tmp.dir, MARKUP_NAME));
    await convertKerasFile({ keras: join(tmp.dir, 'm.keras'), outDir: join(tmp.dir, 'unverified') });
    const node = await MuleModel.load(join(tmp.dir, 'model'));
    nodeEmbedding = (await node.embedFile(join(tmp.dir, 'clip.wav'), { decoder: 'wav' })).embedding!;
    await node.close();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await tmp?.cleanup();
  });

  it.each([
    ['threaded (cross-origin isolated)', true],
    ['single-threaded (no COOP/COEP)', false],
  ])('%s: the embedding equals the Node runtime\'s for the same WAV', async (label, isolated) => {
    const server = await serveStatic(join(tmp.dir, 'dist'), { '/models/demo/': join(tmp.dir, 'model'), '/models/unverified/': join(tmp.dir, 'unverified') }, isolated);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(server.url);
      const info = (await page.evaluate(() => (window as unknown as { muleInfo: { crossOriginIsolated: boolean; threads: number } }).muleInfo));
      expect(info.crossOriginIsolated).toBe(isolated);
      if (isolated) expect(info.threads).toBeGreaterThan(1);
      else expect(info.threads).toBe(1);
      await page.click('#load');
      await page.waitForFunction(() => /model loaded|refused/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 120_000 });
      expect(await page.textContent('#status')).toMatch(/^model loaded: config\.json and backbone\.onnx verified/);
      // this browser runs without a GPU: 'auto' falls back to WebAssembly and says why
      const loadedInfo = await page.evaluate(() => (window as unknown as { muleInfo: { backend: string; backendNote: string } }).muleInfo);
      expect(loadedInfo.backend).toBe('wasm');
      expect(loadedInfo.backendNote).toMatch(/^WebAssembly: WebGPU offers no adapter here/);
      expect(await page.textContent('#threads')).toContain(loadedInfo.backendNote);
      await page.waitForFunction(() => (document.getElementById('sizes')!.textContent ?? '') !== '', null, { timeout: 10_000 });
      expect(await page.textContent('#sizes')).toMatch(/^downloads offered: fp32: backbone\.onnx \d+\.\d MB \(\+ config\.json \d+ kB\)$/);
      await page.setInputFiles('#files', join(tmp.dir, 'clip.wav'));
      await page.waitForFunction(() => (window as unknown as { muleResults?: unknown[] }).muleResults?.length === 1, null, { timeout: 120_000 });
      const [result] = (await page.evaluate(() => (window as unknown as { muleResults: Array<{ embedding: number[] }> }).muleResults));
      const got = Float32Array.from(result!.embedding);
      const { cosine, maxAbs } = cosineAndMaxAbs(got, nodeEmbedding);
      console.log(`browser ${label}, ${info.threads} thread(s): cosine to the Node runtime 1-${(1 - cosine).toExponential(1)}, max-abs ${maxAbs.toExponential(2)}`);
      expect(got.length).toBe(nodeEmbedding.length);
      expect(cosine).toBeGreaterThanOrEqual(0.999999);
      expect(maxAbs).toBeLessThanOrEqual(1e-5);
      await mkdir(screenshots, { recursive: true });
      if (isolated) {
        // file names are text, never markup; the timeline is drawn; the table and the download hold the file
        await page.setInputFiles('#files', join(tmp.dir, MARKUP_NAME));
        await page.waitForFunction(() => (window as unknown as { muleResults?: unknown[] }).muleResults?.length === 2, null, { timeout: 120_000 });
        expect(await page.$('#results img')).toBeNull();
        expect(await page.textContent('#results')).toContain(MARKUP_NAME);
        expect(await page.$$('#results canvas.timeline')).toHaveLength(2);
        expect(await page.textContent('#similarity')).toContain(MARKUP_NAME);
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-npy')]);
        const npy = decodeNpy(await readFile((await download.path())!), 'embeddings.npy');
        expect(npy.shape).toEqual([2, got.length]);
        expect(Array.from((npy.data as Float32Array).subarray(0, got.length))).toEqual(Array.from(got));
      }
      await page.screenshot({ path: join(screenshots, `page-${isolated ? 'threaded' : 'single-thread'}.png`), fullPage: true });
      if (isolated) {
        // loaded again: the backbone comes from the browser's Cache API (checked by sha256), not the network
        const backboneRequests = (): number => server.requests.filter((r) => r === '/models/demo/backbone.onnx').length;
        expect(backboneRequests()).toBe(1);
        await page.click('#load');
        await page.waitForFunction(() => /model loaded|refused/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 120_000 });
        expect(await page.textContent('#status')).toMatch(/^model loaded: /);
        expect(backboneRequests()).toBe(1);
        await page.fill('#model-url', '/models/unverified/');
        await page.click('#load');
        await page.waitForFunction(() => /^refused/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 60_000 });
        expect(await page.textContent('#status')).toMatch(/refused: .* are not verified: config\.json and backbone\.onnx have no passing verification record/);
      }
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  }, 180_000);

  // WebGPU on SwiftShader (Chromium's software Vulkan): onnxruntime-web's GPU code path runs here
  // without a GPU, and is held to the same bounds as the WebAssembly paths.
  it('WebGPU (SwiftShader): the page runs the backbone on WebGPU and the embedding matches the Node runtime\'s', async () => {
    const gpuBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader', '--disable-background-networking', '--no-first-run'],
    });
    const server = await serveStatic(join(tmp.dir, 'dist'), { '/models/demo/': join(tmp.dir, 'model') }, true);
    const page = await gpuBrowser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(server.url);
      await page.selectOption('#backend', 'webgpu');
      await page.click('#load');
      await page.waitForFunction(() => /model loaded|refused/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 120_000 });
      expect(await page.textContent('#status')).toMatch(/^model loaded: /);
      const info = await page.evaluate(() => (window as unknown as { muleInfo: { backend: string } }).muleInfo);
      expect(info.backend).toBe('webgpu');
      await page.setInputFiles('#files', join(tmp.dir, 'clip.wav'));
      await page.waitForFunction(() => (window as unknown as { muleResults?: unknown[] }).muleResults?.length === 1, null, { timeout: 170_000 });
      const [result] = await page.evaluate(() => (window as unknown as { muleResults: Array<{ embedding: number[] }> }).muleResults);
      const { cosine, maxAbs } = cosineAndMaxAbs(Float32Array.from(result!.embedding), nodeEmbedding);
      console.log(`browser WebGPU (SwiftShader): cosine to the Node runtime 1-${(1 - cosine).toExponential(1)}, max-abs ${maxAbs.toExponential(2)}`);
      expect(cosine).toBeGreaterThanOrEqual(0.999999);
      expect(maxAbs).toBeLessThanOrEqual(1e-5);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
      await gpuBrowser.close();
    }
  }, 300_000);

  // What WebAudio (Chromium's own decoder) makes of real compressed files, against ffmpeg's decoding
  // (what the Node runtime does; for mp3, exactly upstream's): the numbers docs/browser-audio.md shows.
  it('WebAudio decoding vs ffmpeg on real files: lossless exact, lossy close after alignment; the page embeds them', async () => {
    const ffmpeg = findFfmpeg();
    expect(ffmpeg, 'ffmpeg is needed to make and decode the files').toBeTruthy();
    const audio = join(tmp.dir, 'audio');
    await mkdir(audio, { recursive: true });
    const source = join(tmp.dir, 'music.wav');
    // 20 s of a pink-noise bed under a chord with vibrato, stereo: music-like enough for the codecs' psychoacoustics
    await promisify(execFile)(ffmpeg!, ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'anoisesrc=d=20:c=pink:r=44100:a=0.15:seed=4', '-f', 'lavfi',
      '-i', "aevalsrc=0.2*sin(2*PI*(220+3*sin(2*PI*5*t))*t)+0.15*sin(2*PI*277*t)+0.1*sin(2*PI*330*t):s=44100:d=20", '-filter_complex', '[0][1]amerge=inputs=2', '-c:a', 'pcm_s16le', source]);
    const encodings: Array<[string, string[]]> = [
      ['music.flac', ['-c:a', 'flac']],
      ['music-192k.mp3', ['-c:a', 'libmp3lame', '-b:a', '192k']],
      ['music-128k.mp3', ['-c:a', 'libmp3lame', '-b:a', '128k']],
      ['music.ogg', ['-c:a', 'libvorbis', '-q:a', '5']],
      ['music.opus', ['-c:a', 'libopus', '-b:a', '128k']],
    ];
    for (const [name, args] of encodings) await promisify(execFile)(ffmpeg!, ['-nostdin', '-v', 'error', '-y', '-i', source, ...args, join(audio, name)]);
    const goldens = upstreamGoldensDir();
    if (goldens) await copyFile(join(goldens, 'u30', 'u30.mp3'), join(audio, 'u30.mp3'));
    else console.warn('the upstream goldens are absent (../shared): measuring on generated files only');

    const server = await serveStatic(join(tmp.dir, 'dist'), { '/models/demo/': join(tmp.dir, 'model'), '/audio/': audio }, true);
    const page = await browser.newPage();
    const node = await MuleModel.load(join(tmp.dir, 'model'));
    try {
      await page.goto(server.url);
      await page.click('#load');
      await page.waitForFunction(() => /model loaded/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 120_000 });
      const rows: string[] = [];
      const files = (await readdir(audio)).sort();
      for (const [k, name] of files.entries()) {
        const decoded = await page.evaluate(
          (url) => (globalThis as unknown as { muleDecode: (u: string) => Promise<{ base64: string; decoder: string; sampleRate: number }> }).muleDecode(url),
          `/audio/${name}`,
        );
        expect(decoded).toMatchObject({ decoder: 'webaudio', sampleRate: 44_100 });
        const bytes = Buffer.from(decoded.base64, 'base64');
        const fromBrowser = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
        const fromFfmpeg = (await decodeWithFfmpeg(join(audio, name), MULE_FRONT_END.decoding)).samples;
        const d = sampleDifference(fromBrowser, fromFfmpeg);

        await page.setInputFiles('#files', join(audio, name));
        await page.waitForFunction((n) => (globalThis as unknown as { muleResults?: unknown[] }).muleResults?.length === n, k + 1, { timeout: 120_000 });
        const results = await page.evaluate(() => (globalThis as unknown as { muleResults: Array<{ embedding: number[] }> }).muleResults);
        const viaNode = await node.embedFile(join(audio, name), { decoder: 'ffmpeg' });
        const e = cosineAndMaxAbs(Float32Array.from(results[k]!.embedding), viaNode.embedding!);
        rows.push(`| ${name} | ${d.lengthDiff} | ${d.lag} | ${d.maxAbs.toExponential(2)} | ${Number.isFinite(d.snrDb) ? d.snrDb.toFixed(1) : 'exact'} | 1-${(1 - e.cosine).toExponential(1)} |`);
        if (name.endsWith('.flac')) {
          // lossless: the browser's samples are exactly ffmpeg's
          expect([d.lengthDiff, d.lag, d.maxAbs]).toEqual([0, 0, 0]);
          expect(e.maxAbs).toBeLessThanOrEqual(1e-5);
        } else {
          // measured: the same start (lag 0), within one mp3 frame of length, >= 47 dB (opus, resampled by the browser), embedding cosine >= 0.99955
          expect(d.lag).toBe(0);
          expect(Math.abs(d.lengthDiff)).toBeLessThanOrEqual(1152);
          expect(d.snrDb).toBeGreaterThan(40);
          expect(e.cosine).toBeGreaterThan(0.999);
        }
      }
      const shown = await page.textContent('#results');
      expect(shown).toContain("the encoder's end padding, which upstream keeps, is trimmed");
      expect(shown).toContain('lossless, exactly the samples ffmpeg gives');
      console.log(
        ['WebAudio (Chromium) vs ffmpeg, mono at 44.1 kHz in upstream\'s convention; embedding of the page vs the Node runtime (small fixture):',
          '| file | length diff (samples) | best lag | max-abs after alignment | signal/difference dB | embedding cosine |', '|---|---:|---:|---:|---:|---:|', ...rows].join('\n'),
      );
    } finally {
      await node.close();
      await page.close();
      await server.close();
    }
  }, 300_000);
});
