// Rendering of a constructed result (numbers chosen by hand), and the manifest update.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, sha256OfFile } from '@mule-ts/test-utils';
import { readManifest, verifyManifest } from '@mule-ts/runtime';
import { resolveThresholds } from '../compare/index.js';
import type { ParityResult, StageResult } from '../parity/index.js';
import { appendVerificationRecord, makeVerificationRecord } from '../verification/index.js';
import { parityJson, renderParityMarkdown, renderParityTable, writeParityReport } from './index.js';

const thresholds = resolveThresholds();
const metrics = (cos: number, maxAbs: number, maxRel: number) => ({ cosine: cos, minRowCosine: cos, maxAbs, maxRel, referenceScale: 1, nonFinite: 0, count: 10 });
const stage = (s: Partial<StageResult> & Pick<StageResult, 'stage' | 'status'>): StageResult => ({
  description: '',
  candidateShape: null,
  referenceShape: null,
  metrics: null,
  threshold: null,
  margin: null,
  problems: [],
  seconds: 0,
  ...s,
});

const RESULT: ParityResult = {
  verdict: 'fail',
  createdAt: '2026-01-02T03:04:05.000Z',
  onnx: true,
  audio: { description: 'test signal', source: 'generated', samples: 308700, sampleRate: 44100 },
  reference: { runner: 'python', description: '/usr/bin/python3 -m mule_reference', manifests: [{ tool: 'mule_reference', version: '0.1.0', protocol: 1, stage: 'embed', ok: true, error: null, python: { version: '3.11.2', implementation: 'CPython', executable: '/usr/bin/python3' } }] },
  candidate: 'runtime',
  precision: 'fp32',
  artifactsDir: '/a',
  keras: '/k.keras',
  stages: [
    stage({ stage: 'waveform', status: 'pass', candidateShape: [112000], referenceShape: [112000], metrics: metrics(1 - 1e-15, 2.5e-8, 4e-8), threshold: thresholds.waveform, margin: 40 }),
    stage({ stage: 'mel', status: 'pass', candidateShape: [96, 701], referenceShape: [96, 701], metrics: metrics(1 - 2e-14, 2.5e-7, 3.5e-8), threshold: thresholds.mel, margin: 2000 }),
    stage({ stage: 'slices', status: 'pass', candidateShape: [3, 96, 300], referenceShape: [3, 96, 300], metrics: metrics(1, 0, 0), threshold: thresholds.slices, margin: Number.POSITIVE_INFINITY }),
    stage({ stage: 'backbone', status: 'fail', candidateShape: [3, 1728], referenceShape: [3, 1728], metrics: metrics(0.9991, 0.02, 0.004), threshold: thresholds.backbone, margin: 0.05, problems: ['max-abs 2.000e-2 > 0.001'] }),
    stage({ stage: 'timeline', status: 'not-run', threshold: thresholds.timeline, problems: ['the runtime embed failed: boom'] }),
    stage({ stage: 'embedding', status: 'not-requested', problems: ['needs backbone.onnx'] }),
  ],
  notes: ['Waveform: both sides resample the same 44100 Hz mono signal.'],
  seconds: 12.3,
};

describe('parity report rendering', () => {
  it('table: one row per stage with verdict, cosine, errors, shape, threshold and margin', () => {
    const lines = renderParityTable(RESULT).split('\n');
    expect(lines[0]).toMatch(/^stage\s+verdict\s+cosine \(min row\)\s+max-abs\s+max-rel\s+shape\s+threshold\s+margin$/);
    const row = (name: string): string => lines.find((l) => l.startsWith(`${name} `))!;
    expect(row('mel').split(/\s{2,}/)).toEqual(['mel', 'PASS', '1-2.0e-14', '2.50e-7', '3.50e-8', '(96, 701)', 'cos>=0.999999 abs<=0.000005', '2000x']);
    expect(row('slices')).toMatch(/PASS\s+1\.000000\s+0\s+0\s+\(3, 96, 300\).*exact$/);
    expect(row('backbone')).toMatch(/FAIL\s+0\.999100\s+2\.00e-2\s+4\.00e-3\s+\(3, 1728\)\s+cos>=0\.9999999 abs<=0\.0001 rel<=0\.00001\s+0\.05x$/);
    expect(row('timeline')).toMatch(/NOT RUN/);
    expect(lines).toContain('backbone: max-abs 2.000e-2 > 0.001');
    expect(lines).toContain('timeline: the runtime embed failed: boom');
    expect(renderParityTable(RESULT, { color: true })).toContain('\u001b[31mFAIL');
  });

  it('markdown: a header verdict, a table row per stage, the problems and notes', () => {
    const md = renderParityMarkdown(RESULT);
    expect(md.split('\n')[0]).toBe('## MULE parity: ❌ FAIL');
    expect(md).toContain('| mel | ✅ PASS | 1-2.0e-14 | 2.50e-7 | 3.50e-8 | (96, 701) | cos>=0.999999 abs<=0.000005 | 2000x |');
    expect(md).toContain('| timeline | ❌ NOT RUN |');
    expect(md).toContain('| embedding | ➖ not requested |');
    expect(md).toContain('- **backbone** (FAIL): max-abs 2.000e-2 > 0.001');
    expect(md).toContain('> Waveform: both sides resample the same 44100 Hz mono signal.');
    expect(md).toContain('- audio: test signal (308700 samples at 44100 Hz)');
    expect(md).toContain('| waveform | ✅ PASS | 1-1.0e-15 | 2.50e-8 | 4.00e-8 | (112000) | cos>=0.9999999 abs<=0.000004 rel<=0.000004 | 40.0x |');
  });

  it('json: the whole result, Infinity written as a string', () => {
    const doc = JSON.parse(parityJson(RESULT)) as { format: string; tool: { name: string }; stages: Array<{ margin: unknown }>; verdict: string };
    expect(doc.format).toBe('mule-ts-parity');
    expect(doc.tool.name).toBe('@mule-ts/verify');
    expect(doc.verdict).toBe('fail');
    expect(doc.stages[2]!.margin).toBe('Infinity');
    expect(doc.stages[1]!.margin).toBe(2000);
  });
});

describe('verification records', () => {
  let dir = '';
  let cleanup = async (): Promise<void> => {};
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mule-verify-manifest-'));
  });
  afterAll(() => cleanup());

  it('a complete run becomes a record bound to the bytes it checked; an incomplete one cannot', () => {
    const complete: ParityResult = { ...RESULT, stages: RESULT.stages.filter((s) => s.status !== 'not-run') };
    const files = { 'config.json': 'c'.repeat(64), 'backbone.onnx': 'b'.repeat(64) };
    const record = makeVerificationRecord(complete, { files, source: { file: 'k.keras', sha256: 'a'.repeat(64) } });
    expect(record).toMatchObject({ verdict: 'fail', checkedAt: RESULT.createdAt, files, source: { sha256: 'a'.repeat(64) }, reference: { runner: 'python', tool: 'mule_reference@0.1.0', python: 'CPython 3.11.2' } });
    expect(record.tool.name).toBe('@mule-ts/verify');
    expect(record.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.stages.slices).toMatchObject({ status: 'pass', margin: 'Infinity', maxAbs: 0 });
    expect(record.stages.backbone).toMatchObject({ status: 'fail', threshold: thresholds.backbone, problems: ['max-abs 2.000e-2 > 0.001'] });
    expect(record.stages.embedding).toEqual({ status: 'not-requested', problems: ['needs backbone.onnx'] });
    expect(() => makeVerificationRecord(RESULT, { files, source: null })).toThrow(/timeline did not run/);
  });

  it('appends atomically, keeps every earlier record and every other field (unknown ones too), and the checksums', async () => {
    await writeFile(join(dir, 'model.safetensors'), 'weights');
    const manifest = {
      format: 'mule-ts-artifacts',
      formatVersion: 2,
      converter: { name: '@mule-ts/convert', version: '0.1.0' },
      source: { file: 'm.keras', sha256: 'a'.repeat(64), bytes: 3, kerasVersion: '2.13.1' },
      createdAt: '2026-01-01T00:00:00.000Z',
      files: { 'model.safetensors': { sha256: await sha256OfFile(join(dir, 'model.safetensors')), bytes: 7 } },
      verification: [],
      futureField: { kept: true },
    };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const complete: ParityResult = { ...RESULT, stages: RESULT.stages.filter((s) => s.status !== 'not-run') };
    const first = makeVerificationRecord(complete, { files: { 'model.safetensors': manifest.files['model.safetensors'].sha256 }, source: null });
    const second = makeVerificationRecord({ ...complete, verdict: 'pass' }, { files: { 'model.safetensors': manifest.files['model.safetensors'].sha256 }, source: null });
    await appendVerificationRecord(dir, first);
    await appendVerificationRecord(dir, second);
    const written = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown> & { verification: Array<{ id: string; verdict: string }> };
    expect(written.futureField).toEqual({ kept: true });
    expect(written.files).toEqual(manifest.files);
    expect(written.verification.map((r) => [r.id, r.verdict])).toEqual([
      [first.id, 'fail'],
      [second.id, 'pass'],
    ]);
    expect((await readManifest(dir)).verification).toEqual(JSON.parse(JSON.stringify([first, second])));
    await expect(verifyManifest(dir)).resolves.toBeTruthy();
    const report = await writeParityReport(RESULT, join(dir, 'out'));
    expect(await readFile(report.markdown, 'utf8')).toBe(renderParityMarkdown(RESULT));
  });
});
