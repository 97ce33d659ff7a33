import { describe, expect, it } from 'vitest';
import { validateManifest, type ArtifactManifest } from './manifest.js';
import type { VerificationRecord } from './verification-record.js';
import { verificationStatus } from './verification-status.js';

const sha = (c: string): string => c.repeat(64);
const FILES = ['config.json', 'backbone.onnx'];

function manifest(records: VerificationRecord[], files: Record<string, string> = { 'config.json': sha('c'), 'backbone.onnx': sha('b') }): ArtifactManifest {
  return {
    format: 'mule-ts-artifacts',
    formatVersion: 2,
    converter: { name: '@mule-ts/convert', version: '0.1.0' },
    source: { file: 'model.keras', sha256: sha('a'), bytes: 1, kerasVersion: null },
    createdAt: '2026-01-01T00:00:00.000Z',
    files: Object.fromEntries(Object.entries(files).map(([n, s]) => [n, { sha256: s, bytes: 1 }])),
    verification: records,
  };
}

function record(id: string, verdict: 'pass' | 'fail', files: Record<string, string>, source: string | null = sha('a'), checkedAt = `2026-01-0${id.length}T00:00:00.000Z`): VerificationRecord {
  return {
    id,
    verdict,
    checkedAt,
    tool: { name: '@mule-ts/verify', version: '0.1.0' },
    source: source === null ? null : { file: 'model.keras', sha256: source },
    files,
    reference: { runner: 'python', tool: null, python: null },
    audio: 'test signal',
    stages: { backbone: { status: verdict } },
  };
}

const BOTH = { 'config.json': sha('c'), 'backbone.onnx': sha('b') };

describe('verificationStatus', () => {
  it('no record: unverified, naming the files', () => {
    const s = verificationStatus(manifest([]), FILES);
    expect(s).toMatchObject({ state: 'unverified', verified: false, record: null });
    expect(s.reason).toBe('config.json and backbone.onnx have no passing verification record for their current bytes');
  });

  it('a passing record of the current bytes and source: verified, by that record', () => {
    const r = record('r1', 'pass', BOTH);
    const s = verificationStatus(manifest([r]), FILES);
    expect(s).toMatchObject({ state: 'verified', verified: true, record: r });
    expect(s.reason).toMatch(/verified 2026-01-02T00:00:00\.000Z by @mule-ts\/verify@0\.1\.0 against the python reference \(record r1\)/);
  });

  it('the newest record covering a file decides it: a later failure wins over an earlier pass, and a later pass over a failure', () => {
    expect(verificationStatus(manifest([record('r1', 'pass', BOTH), record('r22', 'fail', BOTH)]), FILES)).toMatchObject({ state: 'failed', record: { id: 'r22' } });
    expect(verificationStatus(manifest([record('r1', 'pass', BOTH), record('r22', 'fail', BOTH)]), FILES).reason).toMatch(/latest verification of config\.json .* failed at backbone/);
    expect(verificationStatus(manifest([record('r1', 'fail', BOTH), record('r22', 'pass', BOTH)]), FILES)).toMatchObject({ state: 'verified', record: { id: 'r22' } });
  });

  it('a record of other bytes never counts: another conversion, a changed file, another source', () => {
    const other = verificationStatus(manifest([record('r1', 'pass', { 'config.json': sha('c'), 'backbone.onnx': sha('d') })]), FILES);
    expect(other.state).toBe('unverified');
    expect(other.reason).toMatch(/^backbone\.onnx has no passing verification record for its current bytes; backbone\.onnx: a record of .* covers sha256 dddddddddddd…, the file is bbbbbbbbbbbb…$/);
    const source = verificationStatus(manifest([record('r1', 'pass', BOTH, sha('e'))]), FILES);
    expect(source.state).toBe('unverified');
    expect(source.reason).toMatch(/made against the Keras file eeeeeeeeeeee…, these artifacts come from aaaaaaaaaaaa…/);
  });

  it('each file by its own records: a front-end record (no source) covers config.json only', () => {
    const frontEnd = record('r1', 'pass', { 'config.json': sha('c') }, null);
    expect(verificationStatus(manifest([frontEnd]), ['config.json'])).toMatchObject({ state: 'verified' });
    const both = verificationStatus(manifest([frontEnd]), FILES);
    expect(both.state).toBe('unverified');
    expect(both.reason).toMatch(/^backbone\.onnx has no passing/);
    expect(verificationStatus(manifest([record('r1', 'pass', { 'backbone.onnx': sha('b') }), frontEnd]), FILES)).toMatchObject({ state: 'verified' });
  });
});

describe('a record made against an upstream dump', () => {
  const dumpRecord = (upstreamDump: unknown): unknown => ({ ...record('r1', 'pass', BOTH, null), reference: { runner: 'upstream-dump', tool: 'mule 1.1.2', python: null }, upstreamDump });
  const withRecords = (records: unknown[]): unknown => ({ ...manifest([]), verification: records });

  it('is read back with the dump it names, and verifies the files it covers', () => {
    const dump = { descriptor: '/dumps/u7/manifest.json', sha256: sha('e'), versions: { mule: '1.1.2', tensorflow: null }, modelSha256: sha('a'), audioSha256: null };
    const parsed = validateManifest(withRecords([dumpRecord(dump)]), 'manifest.json');
    expect(parsed.verification[0]!.upstreamDump).toEqual(dump);
    expect(verificationStatus(parsed, FILES)).toMatchObject({ state: 'verified', reason: expect.stringMatching(/against the upstream-dump reference/) });
  });

  it('a malformed dump entry is refused, naming the field', () => {
    expect(() => validateManifest(withRecords([dumpRecord({ descriptor: 'm.json', sha256: 'not-a-hash', versions: {}, modelSha256: null, audioSha256: null })]), 'manifest.json')).toThrow(
      /verification\[0\]\.upstreamDump\.sha256/,
    );
    expect(() => validateManifest(withRecords([dumpRecord({ descriptor: 'm.json', sha256: sha('e'), versions: { mule: 1 }, modelSha256: null, audioSha256: null })]), 'manifest.json')).toThrow(
      /verification\[0\]\.upstreamDump\.versions\.mule/,
    );
  });
});
