/**
 * `pnpm bench browser`: the backbone's slices/s in Chromium (onnxruntime-web, threaded WebAssembly,
 * in the page's worker, as users run it) against Node's (onnxruntime-node) on the same machine, in
 * interleaved rounds of one run; best of rounds and their ratio. One full-size model in memory at a
 * time: each round loads, times and releases the model in the browser, then in Node.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { convertKerasFile } from '@mule-ts/convert';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { MuleModel } from '@mule-ts/runtime';
import { chromium } from 'playwright-core';
import { serveStatic } from './serve.js';

export interface BrowserBenchOptions {
  /** Converted artifacts; default: a generated full-size fixture (random weights), converted. */
  artifacts?: string;
  rounds?: number;
  /** Slices per backbone run (default 8). */
  batch?: number;
  /** Timed runs per round and side (default 3). */
  runs?: number;
  chromium?: string;
  log?: (line: string) => void;
}

export interface BrowserBenchResult {
  artifacts: string;
  generated: boolean;
  batch: number;
  browserThreads: number;
  /** Best seconds per run of each round. */
  browser: number[];
  node: number[];
  cores: number;
  load: number[];
}

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function benchBrowser(options: BrowserBenchOptions = {}): Promise<BrowserBenchResult> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const executablePath = options.chromium ?? process.env.MULE_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set MULE_CHROMIUM`);
  const rounds = options.rounds ?? 3;
  const batch = options.batch ?? 8;
  const runs = options.runs ?? 3;
  const work = await mkdtemp(join(tmpdir(), 'mule-bench-browser-'));
  try {
    let artifacts = options.artifacts;
    if (!artifacts) {
      log('generating a full-size fixture (random weights) and converting it ...');
      await writeKerasFixture({ size: 'full', seed: 1, out: join(work, 'm.keras') });
      artifacts = join(work, 'artifacts');
      await convertKerasFile({ keras: join(work, 'm.keras'), outDir: artifacts });
      await rm(join(work, 'm.keras'));
    }
    log('building the page ...');
    await promisify(execFile)(process.execPath, [resolve(appDir, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', join(work, 'dist'), '--emptyOutDir'], { cwd: appDir });
    const server = await serveStatic(join(work, 'dist'), { '/models/bench/': artifacts }, true);
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    const result: BrowserBenchResult = { artifacts, generated: !options.artifacts, batch, browserThreads: 0, browser: [], node: [], cores: availableParallelism(), load: loadavg() };
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      for (let r = 0; r < rounds; r++) {
        // Timing only: a generated fixture is not verified here (the tests and pnpm gate verify).
        const fromPage = await page.evaluate(
          ([b, n]) => (globalThis as unknown as { muleBench: (url: string, batch: number, runs: number) => Promise<{ seconds: number[]; threads: number }> }).muleBench('/models/bench/', b, n),
          [batch, runs] as const,
        );
        result.browserThreads = fromPage.threads;
        result.browser.push(Math.min(...fromPage.seconds));
        const node = await MuleModel.load(artifacts, { requireVerified: false, onWarning: () => undefined, batchSize: batch });
        try {
          const [, , melBins, width] = node.config.backbone.input.shape;
          const slices = Float32Array.from({ length: batch * melBins * width }, (_, i) => Math.sin(i * 0.37) * 1.3);
          await node.embedSlices(slices, batch);
          const seconds: number[] = [];
          for (let k = 0; k < runs; k++) {
            const t0 = performance.now();
            await node.embedSlices(slices, batch);
            seconds.push((performance.now() - t0) / 1000);
          }
          result.node.push(Math.min(...seconds));
        } finally {
          await node.close();
        }
        log(`round ${r + 1}/${rounds}: browser ${(batch / result.browser.at(-1)!).toFixed(1)} slices/s, Node ${(batch / result.node.at(-1)!).toFixed(1)} slices/s`);
      }
    } finally {
      await browser.close();
      await server.close();
    }
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function formatBrowserBench(r: BrowserBenchResult): string {
  const browser = r.batch / Math.min(...r.browser);
  const node = r.batch / Math.min(...r.node);
  return [
    `## The backbone in Chromium vs Node, batch ${r.batch}, best of ${r.browser.length} interleaved rounds`,
    '',
    '| runtime | slices/s | per round |',
    '|---|---:|---|',
    `| Chromium, onnxruntime-web WebAssembly (SIMD, ${r.browserThreads} thread(s), in the page's worker) | ${browser.toFixed(1)} | ${r.browser.map((s) => (r.batch / s).toFixed(1)).join(', ')} |`,
    `| Node, onnxruntime-node (CPU) | ${node.toFixed(1)} | ${r.node.map((s) => (r.batch / s).toFixed(1)).join(', ')} |`,
    '',
    `The browser runs at ${((100 * browser) / node).toFixed(0)}% of Node's rate. Machine: ${r.cores} cores, load ${r.load.map((l) => l.toFixed(2)).join('/')} at the start. ` +
      `Model: ${r.generated ? 'generated full-size fixture (random weights; same architecture and cost as MULE)' : r.artifacts}.`,
  ].join('\n');
}
