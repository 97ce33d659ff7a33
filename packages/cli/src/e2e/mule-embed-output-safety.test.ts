/**
 * `mule embed` never loses or mixes up an output: one writer at a time (a lock naming its holder;
 * a dead holder's lock is taken over), a file it did not write is not replaced without --overwrite,
 * and a path that does not exist stops it before any output is created. Real processes, real files.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeNpy } from '@mule-ts/core';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { encodePcm16Wav, makeTempDir } from '@mule-ts/test-utils';
import { generateTestSignal } from '@mule-ts/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifiedArtifacts } from '../__fixtures__/verified-artifacts.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const MULE_BIN = join(REPO_ROOT, 'packages/cli/bin/mule.js');

interface Run {
  code: number;
  stderr: string;
}

function start(args: string[]): { done: Promise<Run>; pid: number } {
  const child = spawn(process.execPath, [MULE_BIN, 'embed', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return { pid: child.pid!, done: new Promise((r) => child.on('close', (code) => r({ code: code ?? -1, stderr }))) };
}

async function until(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('mule embed output safety (small fixture)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let flags: string[] = [];
  const path = (...p: string[]): string => join(tmp.dir, ...p);
  const common = (out: string) => [path('songs'), '--model', path('art'), '--out', out, '--jobs', '1', '--progress', 'none', '--decoder', 'wav', ...flags];
  const mule = (args: string[]) => start(args).done;

  beforeAll(async () => {
    tmp = await makeTempDir('mule-embed-safety-');
    await writeKerasFixture({ size: 'small', seed: 1, out: path('small.keras') });
    flags = (await verifiedArtifacts(path('small.keras'), path('art'))).embedFlags;
    await mkdir(path('songs'));
    for (let i = 0; i < 12; i++) await writeFile(path('songs', `s${String(i).padStart(2, '0')}.wav`), encodePcm16Wav(generateTestSignal({ seconds: 4, seed: 10 + i })));
  });
  afterAll(() => tmp?.cleanup());

  it('a path that does not exist: exit 2 before any output is created', async () => {
    const out = path('new-dir', 'missing.npy');
    const r = await mule([path('songs', 'nope.wav'), '--model', path('art'), '--out', out, '--progress', 'none', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error \[INPUT\]: input .*nope\.wav: no such file or directory\n {2}check the path/);
    expect(existsSync(path('new-dir'))).toBe(false);
  });

  it('a run that fails before writing (a directory that is not a model) leaves no output directory behind', async () => {
    const r = await mule([path('songs'), '--model', path('songs'), '--out', path('fresh', 'timelines/'), '--progress', 'none']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[MISSING_MEMBER\]: /m);
    expect(existsSync(path('fresh'))).toBe(false);
  });

  it('a file it did not write is not replaced without --overwrite', async () => {
    const out = path('precious.npy');
    await writeFile(out, 'my own notes');
    const refused = await mule(common(out));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error \[OUTPUT_EXISTS\]: .*precious\.npy exists and was not written by mule embed \(there is no progress journal precious\.npy\.progress\.jsonl beside it\)\n {2}choose another --out, or pass --overwrite to replace it\n$/);
    expect(await readFile(out, 'utf8')).toBe('my own notes');
    const resumed = await mule([...common(out), '--resume']);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(/so there is nothing to resume/);
    expect(await readFile(out, 'utf8')).toBe('my own notes');
    const replaced = await mule([...common(out), '--overwrite']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(decodeNpy(await readFile(out)).shape).toEqual([12, 36]);
    expect(existsSync(`${out}.progress.jsonl.lock`)).toBe(false);
  });

  it('a second run on the same output is refused, whatever its flags, while the first completes intact', async () => {
    const out = path('shared.npy');
    // a long first run (60 files) so that it is still running when the others start
    const many = path('many');
    for (let copy = 0; copy < 5; copy++) await cp(path('songs'), join(many, `copy${copy}`), { recursive: true });
    const first = start([many, ...common(out).slice(1)]);
    let firstDone = false;
    void first.done.then(() => (firstDone = true));
    await until(() => existsSync(`${out}.progress.jsonl.lock`), 'the first run to take its lock');
    const seconds = await Promise.all([[], ['--resume'], ['--overwrite']].map((extra) => mule([...common(out), ...extra])));
    expect(firstDone, 'the first run ended before the others were refused: make it longer').toBe(false);
    for (const [i, second] of seconds.entries()) {
      expect(second.code, String(i)).toBe(2);
      expect(second.stderr).toMatch(new RegExp(`^error \\[OUTPUT_LOCKED\\]: .*shared\\.npy is being written by another mule embed \\(pid ${first.pid} on ${hostname()}, since `));
    }
    const r = await first.done;
    expect(r.code, r.stderr).toBe(0);
    const index = JSON.parse(await readFile(path('shared.index.json'), 'utf8')) as { rows: Array<{ file: string }> };
    const expected = Array.from({ length: 5 }, (_, c) => Array.from({ length: 12 }, (_, i) => join(many, `copy${c}`, `s${String(i).padStart(2, '0')}.wav`))).flat();
    expect(index.rows.map((x) => x.file)).toEqual(expected);
    expect(decodeNpy(await readFile(out)).shape).toEqual([60, 36]);
  });

  it("a lock left by a dead process is taken over, and said so; a live holder's is not", async () => {
    const out = path('stale.npy');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    try {
      await writeFile(`${out}.progress.jsonl.lock`, JSON.stringify({ pid: holder.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
      const live = await mule(common(out));
      expect(live.code).toBe(2);
      expect(live.stderr).toMatch(new RegExp(`error \\[OUTPUT_LOCKED\\]: .* \\(pid ${holder.pid} on `));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.on('exit', r));
    }
    const r = await mule(common(out));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`warning: took over the lock of .*stale\\.npy from a run that is gone \\(pid ${holder.pid} on `));
    expect(existsSync(`${out}.progress.jsonl.lock`)).toBe(false);
  });
});
