/**
 * `pnpm bench convert`: full-size convert time against copying the same file, and the convert's
 * peak RSS, measured side by side in one run (rounds interleaved, medians reported).
 */
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

export interface ConvertBenchResult {
  bytes: number;
  copySeconds: number;
  convertSeconds: number;
  ratio: number;
  maxRssBytes: number;
  rounds: number;
}

export const CONVERT_TARGETS = { maxRatio: 3, maxRssBytes: 1.5e9 } as const;

const CHILD = fileURLToPath(new URL('./convert-child.ts', import.meta.url));

export async function benchConvert(options: ConvertBenchOptions = {}): Promise<ConvertBenchResult> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const rounds = options.rounds ?? 3;
  const work = await mkdtemp(join(tmpdir(), 'mule-bench-convert-'));
  try {
    let keras = options.keras;
    if (!keras) {
      keras = join(work, 'fixture-full-seed1.keras');
      log('generating a full-size fixture (random weights) ...');
      await writeKerasFixture({ size: 'full', seed: 1, out: keras });
    }
    const bytes = (await stat(keras)).size;
    await readFile(keras); // warm the page cache for both contenders alike
    const copies: number[] = [];
    const converts: number[] = [];
    let maxRss = 0;
    for (let r = 0; r < rounds; r++) {
      const copyTarget = join(work, 'copy.bin');
      copies.push(await timeIt(() => copyFile(keras, copyTarget)));
      await rm(copyTarget);
      const out = join(work, `out-${r}`);
      const child = await runChild<{ seconds: number }>(CHILD, [keras, out]);
      converts.push(child.result.seconds);
      maxRss = Math.max(maxRss, child.maxRssBytes);
      await rm(out, { recursive: true, force: true });
      log(`round ${r + 1}/${rounds}: copy ${copies[r]!.toFixed(3)} s, convert ${converts[r]!.toFixed(3)} s`);
    }
    const copySeconds = median(copies);
    const convertSeconds = median(converts);
    return { bytes, copySeconds, convertSeconds, ratio: convertSeconds / copySeconds, maxRssBytes: maxRss, rounds };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function formatConvertBench(r: ConvertBenchResult): string {
  const ok = (pass: boolean) => (pass ? 'ok' : 'MISSED');
  const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
  return [
    `convert benchmark: ${r.bytes.toLocaleString('en-US')} bytes, median of ${r.rounds} interleaved rounds`,
    `  copy the .keras (fs.copyFile)   ${r.copySeconds.toFixed(3)} s`,
    `  convert (in-process time)       ${r.convertSeconds.toFixed(3)} s   ${r.ratio.toFixed(2)}x copy   target <= ${CONVERT_TARGETS.maxRatio}x: ${ok(r.ratio <= CONVERT_TARGETS.maxRatio)}`,
    `  convert peak RSS                ${mb(r.maxRssBytes)}   target < ${mb(CONVERT_TARGETS.maxRssBytes)}: ${ok(r.maxRssBytes < CONVERT_TARGETS.maxRssBytes)}`,
  ].join('\n');
}
