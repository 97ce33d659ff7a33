import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, sha256OfFile } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStagedOutput, withStagedOutput } from './staged-output.js';
import { writeFileAtomic } from './write-file-atomic.js';
import { writeStagedFile } from './write-staged-file.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: root, cleanup } = await makeTempDir()));
afterAll(() => cleanup());

/** Every entry under `dir` with its content, so "as it was" can be compared exactly. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name).slice(dir.length + 1);
    out[path] = entry.isDirectory() ? '<dir>' : readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}

let counter = 0;
/** An output directory holding a README and an older model, as `artifacts/` would. */
function existingOutputDir(): string {
  const dir = join(root, `out-${counter++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'README.md'), 'keep me');
  writeFileSync(join(dir, 'model.safetensors'), 'old model');
  return dir;
}

describe('createStagedOutput', () => {
  it('writes to hidden temps beside the final names and renames them all on commit', () => {
    const dir = existingOutputDir();
    const out = createStagedOutput(dir);
    const model = out.pathFor('model.safetensors');
    expect(out.pathFor('model.safetensors')).toBe(model);
    expect(model).toMatch(new RegExp(`^${dir}/\\.model\\.safetensors\\.tmp-${process.pid}-[0-9a-f]{12}$`));
    writeFileSync(model, 'new model');
    writeFileSync(out.pathFor('config.json'), '{}');
    expect(snapshot(dir)).toMatchObject({ 'README.md': 'keep me', 'model.safetensors': 'old model' });
    out.commit();
    expect(snapshot(dir)).toEqual({ 'README.md': 'keep me', 'model.safetensors': 'new model', 'config.json': '{}' });
    expect(() => out.pathFor('x')).toThrow(/already committed/);
  });

  it('abort leaves the directory exactly as it was', () => {
    const dir = existingOutputDir();
    const before = snapshot(dir);
    const out = createStagedOutput(dir);
    writeFileSync(out.pathFor('model.safetensors'), 'new model');
    writeFileSync(out.pathFor('manifest.json'), '{}');
    out.pathFor('never-written.json');
    out.abort();
    expect(snapshot(dir)).toEqual(before);
  });

  it('creates a missing directory and removes it again on abort', () => {
    const dir = join(root, 'fresh', 'nested', 'artifacts');
    const out = createStagedOutput(dir);
    expect(existsSync(dir)).toBe(true);
    writeFileSync(out.pathFor('model.safetensors'), 'x');
    out.abort();
    expect(existsSync(join(root, 'fresh'))).toBe(false);
  });

  it('rolls back a commit that fails midway: earlier renames undone, replaced files restored', () => {
    const dir = existingOutputDir();
    mkdirSync(join(dir, 'config.json'));
    writeFileSync(join(dir, 'config.json', 'inside'), 'a directory in the way');
    const before = snapshot(dir);
    const out = createStagedOutput(dir);
    writeFileSync(out.pathFor('model.safetensors'), 'new model');
    writeFileSync(out.pathFor('config.json'), '{}');
    expect(() => out.commit()).toThrow(expect.objectContaining({ code: 'IO', message: expect.stringContaining(join(dir, 'config.json')) }));
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses to commit a name that was staged but never written, leaving nothing behind', () => {
    const dir = existingOutputDir();
    const before = snapshot(dir);
    const out = createStagedOutput(dir);
    writeFileSync(out.pathFor('config.json'), '{}');
    out.pathFor('manifest.json');
    expect(() => out.commit()).toThrow(/manifest\.json: was staged but never written/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses names with a directory part', () => {
    const out = createStagedOutput(existingOutputDir());
    for (const name of ['../x', 'a/b', '..', '']) expect(() => out.pathFor(name)).toThrow(/must be a plain file name/);
    out.abort();
  });
});

describe('withStagedOutput', () => {
  it('commits what the producer wrote', async () => {
    const dir = existingOutputDir();
    const digest = await withStagedOutput(dir, (out) => writeStagedFile(out, 'config.json', '{"a":1}\n'));
    expect(snapshot(dir)['config.json']).toBe('{"a":1}\n');
    expect(digest).toEqual({ sha256: await sha256OfFile(join(dir, 'config.json')), bytes: 8 });
    expect(digest.sha256).toBe(createHash('sha256').update('{"a":1}\n').digest('hex'));
  });

  it('leaves the directory as it was when the producer throws midway', async () => {
    const dir = existingOutputDir();
    const before = snapshot(dir);
    await expect(
      withStagedOutput(dir, async (out) => {
        await writeStagedFile(out, 'model.safetensors', 'half a model');
        await writeStagedFile(out, 'config.json', '{}');
        throw new Error('recogniser failed');
      }),
    ).rejects.toThrow('recogniser failed');
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('signals while staging is open', () => {
  const packageDir = resolve(fileURLToPath(import.meta.url), '../../..');
  const stagedOutputSource = fileURLToPath(new URL('./staged-output.ts', import.meta.url));

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} deletes the temps, keeps the old files and kills the process with ${signal}`, async () => {
      const dir = existingOutputDir();
      const before = snapshot(dir);
      const child = join(root, `child-${signal}.mjs`);
      writeFileSync(
        child,
        [
          `import { writeFileSync } from 'node:fs';`,
          `import { createStagedOutput } from ${JSON.stringify(stagedOutputSource)};`,
          `const out = createStagedOutput(process.argv[2]);`,
          `writeFileSync(out.pathFor('model.safetensors'), 'partial');`,
          `process.stdout.write('ready\\n');`,
          `setInterval(() => {}, 1000);`,
        ].join('\n'),
      );
      const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', child, dir], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await new Promise<void>((ready, fail) => {
        proc.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && ready());
        proc.on('exit', () => fail(new Error(`child exited before staging: ${stderr}`)));
      });
      expect(Object.keys(snapshot(dir)).some((name) => name.startsWith('.model.safetensors.tmp-'))).toBe(true);
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => proc.on('exit', (code, sig) => done({ code, signal: sig })));
      proc.kill(signal);
      expect(await exit).toEqual({ code: null, signal });
      expect(snapshot(dir)).toEqual(before);
    });
  }
});

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temp', async () => {
    const dir = existingOutputDir();
    await writeFileAtomic(join(dir, 'README.md'), 'replaced');
    await writeFileAtomic(join(dir, 'new.bin'), new Uint8Array([1, 2, 3]));
    expect(snapshot(dir)).toEqual({ 'README.md': 'replaced', 'model.safetensors': 'old model', 'new.bin': '\x01\x02\x03' });
  });

  it('fails without touching the target or leaving a temp', async () => {
    const dir = existingOutputDir();
    mkdirSync(join(dir, 'blocked'));
    const before = snapshot(dir);
    await expect(writeFileAtomic(join(dir, 'blocked'), 'x')).rejects.toMatchObject({ code: 'IO', details: { file: join(dir, 'blocked') } });
    await expect(writeFileAtomic(join(dir, 'missing-dir', 'f'), 'x')).rejects.toMatchObject({ code: 'IO' });
    expect(snapshot(dir)).toEqual(before);
  });
});
