/**
 * `pnpm bench soak`: `mule embed` (the bin, a real process) over a few thousand short generated files
 * with a sprinkling of broken ones (not audio, truncated, empty), sampling the process's resident
 * memory as it runs. Reports RSS over time (and its growth after warm-up), files/s, and checks that
 * every good file has its row and every broken one is reported. Not a CI test: it takes minutes.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePcm16Wav } from '@mule-ts/test-utils';
import { benchArtifacts } from './generated-artifacts.js';

const MULE_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../cli/bin/mule.js');

export interface SoakBenchOptions {
  /** Converted artifacts; default: a generated full-size fixture (random weights), converted. */
  artifacts?: string;
  /** Files in the catalogue (default 2000), every 40th of them broken. */
  files?: number;
  /** Seconds per good file (default 3: one slice each). */
  seconds?: number;
  log?: (line: string) => void;
}

export interface SoakBenchResult {
  files: number;
  broken: number;
  wallSeconds: number;
  /** [seconds since start, RSS MB], sampled every half second. */
  rss: Array<[number, number]>;
  exitCode: number;
  rowsOk: boolean;
  problems: string[];
}

/** A short stereo 44.1 kHz 16-bit WAV of a tone and noise, seeded. */
function wav(seconds: number, seed: number): Uint8Array {
  const n = Math.round(seconds * 44_100);
  let state = seed >>> 0;
  const noise = (): number => ((state = (state * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32 - 0.5) * 4000;
  const left = Int16Array.from({ length: n }, (_, i) => 8000 * Math.sin((2 * Math.PI * (200 + seed) * i) / 44_100) + noise());
  const right = Int16Array.from({ length: n }, (_, i) => 6000 * Math.sin((2 * Math.PI * (330 + seed) * i) / 44_100) + noise());
  return encodePcm16Wav({ channels: [left, right], sampleRate: 44_100 });
}

function rssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

export async function benchSoak(options: SoakBenchOptions = {}): Promise<SoakBenchResult> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const files = options.files ?? 2000;
  const seconds = options.seconds ?? 3;
  const work = await mkdtemp(join(tmpdir(), 'mule-bench-soak-'));
  try {
    const artifacts = await benchArtifacts(options.artifacts, work, log);
    log(`writing ${files} files of ${seconds} s (every 40th broken) ...`);
    const catalogue = join(work, 'catalogue');
    const good = new Set<string>();
    const broken = new Set<string>();
    const sample = wav(seconds, 1);
    for (let i = 0; i < files; i++) {
      const file = join(catalogue, `d${Math.floor(i / 200)}`, `f${String(i).padStart(5, '0')}.wav`);
      await mkdir(dirname(file), { recursive: true });
      if (i % 40 === 39) {
        const kind = (i / 40) % 3;
        await writeFile(file, kind === 0 ? 'not audio at all\n'.repeat(50) : kind === 1 ? sample.subarray(0, 30) : new Uint8Array(0));
        broken.add(file);
      } else {
        await writeFile(file, i % 7 === 0 ? wav(seconds, i) : sample);
        good.add(file);
      }
    }
    const out = join(work, 'soak.npy');
    log(`mule embed over ${files} files (${broken.size} broken), sampling its RSS ...`);
    const started = performance.now();
    const child = spawn(process.execPath, [MULE_BIN, 'embed', catalogue, '--model', artifacts, '--out', out, '--progress', 'none', '--allow-unverified'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.resume();
    const rss: Array<[number, number]> = [];
    const timer = setInterval(() => {
      const mb = rssMb(child.pid!);
      if (mb !== null) rss.push([(performance.now() - started) / 1000, mb]);
    }, 500);
    const exitCode = await new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
    clearInterval(timer);
    const wallSeconds = (performance.now() - started) / 1000;
    const index = JSON.parse(await readFile(join(work, 'soak.index.json'), 'utf8')) as { rows: Array<{ file: string }>; failed: Array<{ file: string }> };
    const problems: string[] = [];
    const rowFiles = new Set(index.rows.map((r) => r.file));
    const missing = [...good].filter((f) => !rowFiles.has(f));
    const notReported = [...broken].filter((f) => !index.failed.some((x) => x.file === f));
    if (missing.length) problems.push(`${missing.length} good files have no row (e.g. ${missing[0]})`);
    if (notReported.length) problems.push(`${notReported.length} broken files were not reported (e.g. ${notReported[0]})`);
    if (exitCode !== 3) problems.push(`exit code ${exitCode}, expected 3 (some files failed)`);
    return { files, broken: broken.size, wallSeconds, rss, exitCode, rowsOk: problems.length === 0, problems };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function formatSoakBench(r: SoakBenchResult): string {
  const at = (fraction: number): string => {
    const sample = r.rss[Math.min(r.rss.length - 1, Math.floor(fraction * r.rss.length))];
    return sample ? `${sample[1].toFixed(0)} MB at ${sample[0].toFixed(0)} s` : '-';
  };
  const peak = Math.max(...r.rss.map(([, mb]) => mb));
  const warm = r.rss[Math.floor(r.rss.length / 4)]?.[1] ?? NaN;
  const end = r.rss.at(-1)?.[1] ?? NaN;
  return [
    `soak: ${r.files} files (${r.broken} broken) in ${r.wallSeconds.toFixed(1)} s = ${(r.files / r.wallSeconds).toFixed(1)} files/s; exit ${r.exitCode}`,
    `  RSS  ${[0.1, 0.25, 0.5, 0.75, 1].map(at).join(', ')}; peak ${peak.toFixed(0)} MB`,
    `  growth after warm-up (25% -> end): ${(end - warm).toFixed(0)} MB (${((end / warm - 1) * 100).toFixed(1)}%)`,
    r.rowsOk ? '  every good file has its row; every broken file is reported' : `  PROBLEMS: ${r.problems.join('; ')}`,
  ].join('\n');
}
