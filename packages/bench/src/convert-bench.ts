/**
 * `pnpm bench convert`: full-size convert time against copying the same file, and the convert's
 * peak RSS, measured side by side in one run (rounds interleaved, medians reported). The target
 * applies to the conversion issue #2 defines (safetensors + config + manifest, `--no-onnx`); the
 * default conversion, which also exports ONNX, is measured beside it. Alongside: the CPU time the
 * conversion used (no schedule on this machine's cores can beat CPU time / cores) and one sha256
 * pass over the file, since a conversion needs two in sequence (the source's, which the
 * safetensors header holds, then the output's, for the manifest).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { median, runChild, timeIt } from './measure.js';

export interface ConvertBenchOptions {
  /** An existing .keras to convert; default: a generated full-size fixture (seed 1). */
  keras?: string;
  rounds?: number;
  log?: (line: string) => void;
}

export interface ConvertTimes {
  /** Median wall seconds. */
  seconds: number;
  /** Median CPU seconds of all the conversion's threads. */
  cpuSeconds: number;
  ratio: number;
  maxRssBytes: number;
}

export interface ConvertBenchResult {
  bytes: number;
  cores: number;
  rounds: number;
  copySeconds: number;
  /** Median seconds of one sha256 pass over the file, in memory. */
  sha256Seconds: number;
  /** safetensors + config.json + manifest.json (`--no-onnx`): what the target is about. */
  safetensors: ConvertTimes;
  /** The default conversion, which also writes backbone.onnx. */
  withOnnx: ConvertTimes;
}

export const CONVERT_TARGETS = { maxRatio: 3, maxRssBytes: 1.5e9 } as const;

const CHILD = fileURLToPath(new URL('./convert-child.ts', import.meta.url));

interface ChildTimes {
  seconds: number;
  cpuSeconds: number;
}

export async function benchConvert(options: ConvertBenchOptions = {}): Promise<ConvertBenchResult> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const rounds = options.rounds ?? 5;
  const work = await mkdtemp(join(tmpdir(), 'mule-bench-convert-'));
  try {
    let keras = options.keras;
    if (!keras) {
      keras = join(work, 'fixture-full-seed1.keras');
      log('generating a full-size fixture (random weights) ...');
      await writeKerasFixture({ size: 'full', seed: 1, out: keras });
    }
    const bytes = (await stat(keras)).size;
    const inMemory = await readFile(keras); // also warms the page cache for every contender alike
    const copies: number[] = [];
    const hashes: number[] = [];
    const runs = { 'no-onnx': [] as ChildTimes[], onnx: [] as ChildTimes[] };
    const rss = { 'no-onnx': 0, onnx: 0 };
    for (let r = 0; r < rounds; r++) {
      const copyTarget = join(work, 'copy.bin');
      copies.push(await timeIt(() => copyFile(keras, copyTarget)));
      await rm(copyTarget);
      hashes.push(await timeIt(async () => createHash('sha256').update(inMemory).digest()));
      for (const mode of ['no-onnx', 'onnx'] as const) {
        const out = join(work, `out-${r}-${mode}`);
        const child = await runChild<ChildTimes>(CHILD, [keras, out, mode]);
        runs[mode].push(child.result);
        rss[mode] = Math.max(rss[mode], child.maxRssBytes);
        await rm(out, { recursive: true, force: true });
      }
      log(
        `round ${r + 1}/${rounds}: copy ${copies[r]!.toFixed(3)} s, convert ${runs['no-onnx'][r]!.seconds.toFixed(3)} s, with ONNX ${runs.onnx[r]!.seconds.toFixed(3)} s`,
      );
    }
    const copySeconds = median(copies);
    const summarise = (mode: 'no-onnx' | 'onnx'): ConvertTimes => {
      const seconds = median(runs[mode].map((t) => t.seconds));
      return { seconds, cpuSeconds: median(runs[mode].map((t) => t.cpuSeconds)), ratio: seconds / copySeconds, maxRssBytes: rss[mode] };
    };
    return {
      bytes,
      cores: availableParallelism(),
      rounds,
      copySeconds,
      sha256Seconds: median(hashes),
      safetensors: summarise('no-onnx'),
      withOnnx: summarise('onnx'),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function formatConvertBench(r: ConvertBenchResult): string {
  const ok = (pass: boolean) => (pass ? 'ok' : 'MISSED');
  const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
  const s = (x: number) => `${x.toFixed(3)} s`;
  const x = (seconds: number) => `${(seconds / r.copySeconds).toFixed(2)}x copy`;
  const st = r.safetensors;
  const cpuFloor = st.cpuSeconds / r.cores;
  return [
    `convert benchmark: ${r.bytes.toLocaleString('en-US')} bytes, median of ${r.rounds} interleaved rounds, ${r.cores} cores`,
    `  copy the .keras (fs.copyFile)          ${s(r.copySeconds)}`,
    `  convert --no-onnx (safetensors,        ${s(st.seconds)}   ${x(st.seconds)}   target <= ${CONVERT_TARGETS.maxRatio}x: ${ok(st.ratio <= CONVERT_TARGETS.maxRatio)}`,
    `    config.json, manifest.json)`,
    `    CPU time of all its threads          ${s(st.cpuSeconds)}   / ${r.cores} cores = ${s(cpuFloor)} (${x(cpuFloor)}): no schedule here is faster`,
    `    one sha256 pass over the file        ${s(r.sha256Seconds)}   two in sequence are required (the source's goes into the`,
    `                                                    safetensors header, whose file is then hashed for the manifest): ${x(2 * r.sha256Seconds)}`,
    `    peak RSS                             ${mb(st.maxRssBytes)}   target < ${mb(CONVERT_TARGETS.maxRssBytes)}: ${ok(st.maxRssBytes < CONVERT_TARGETS.maxRssBytes)}`,
    `  convert (default: also backbone.onnx)  ${s(r.withOnnx.seconds)}   ${x(r.withOnnx.seconds)}   (no target)   CPU ${s(r.withOnnx.cpuSeconds)}, peak RSS ${mb(r.withOnnx.maxRssBytes)}`,
  ].join('\n');
}
