/**
 * The verification record of a complete parity run, and its addition to the artifacts' manifest.json.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE_NAME, validateManifest, type StageRecord, type VerificationRecord } from '@mule-ts/core';
import type { ParityResult } from '../parity/index.js';
import { writeFileAtomic } from '../report/write-report.js';
import { VERIFY_TOOL } from '../version.js';

const finite = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

/** The upstream code a dump names (e.g. "mule 1.1.2, librosa 0.9.2"), or null when it names none. */
function dumpTool(result: ParityResult): string | null {
  const versions = Object.entries(result.upstreamDump?.versions ?? {});
  return versions.length > 0 ? versions.map(([name, v]) => `${name} ${v}`).join(', ') : null;
}

/** What a complete run proved, bound to the bytes it checked. */
export function makeVerificationRecord(result: ParityResult, bound: { files: Record<string, string>; source: VerificationRecord['source'] }): VerificationRecord {
  const referenceTool = result.reference.manifests[0];
  const stages: Record<string, StageRecord> = {};
  for (const s of result.stages) {
    if (s.status === 'not-run') throw new Error(`internal: stage ${s.stage} did not run; an incomplete run gets no record`);
    stages[s.stage] = {
      status: s.status,
      ...(s.metrics ? { minRowCosine: finite(s.metrics.minRowCosine), cosine: finite(s.metrics.cosine), maxAbs: finite(s.metrics.maxAbs), maxRel: finite(s.metrics.maxRel) } : {}),
      ...(s.threshold && s.status !== 'not-requested' ? { threshold: { ...s.threshold } } : {}),
      ...(s.margin !== null ? { margin: Number.isFinite(s.margin) ? s.margin : 'Infinity' } : {}),
      ...(s.problems.length > 0 ? { problems: [...s.problems] } : {}),
    };
  }
  return {
    id: randomUUID(),
    verdict: result.verdict,
    checkedAt: result.createdAt,
    tool: { ...VERIFY_TOOL },
    source: bound.source,
    files: { ...bound.files },
    reference: {
      runner: result.reference.runner,
      tool: referenceTool ? `${referenceTool.tool}@${referenceTool.version}` : dumpTool(result),
      python: referenceTool?.python ? `${referenceTool.python.implementation} ${referenceTool.python.version}` : null,
    },
    audio: result.audio.description,
    stages,
    ...(result.upstreamDump ? { upstreamDump: structuredClone(result.upstreamDump) } : {}),
  };
}

/**
 * Appends `record` to `<artifactsDir>/manifest.json`'s `verification`, keeping every earlier
 * record and every other field as written (unknown ones too); written atomically. The manifest
 * lists the artifacts' sha256, never its own, so rewriting it invalidates no checksum.
 */
export async function appendVerificationRecord(artifactsDir: string, record: VerificationRecord): Promise<string> {
  const file = join(artifactsDir, MANIFEST_FILE_NAME);
  const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const manifest = validateManifest(raw, file);
  if (Object.prototype.hasOwnProperty.call(manifest.files, MANIFEST_FILE_NAME)) {
    throw new Error(`${file} lists its own checksum; rewriting it would break that entry`);
  }
  raw.verification = [...(Array.isArray(raw.verification) ? raw.verification : []), record];
  validateManifest(raw, file);
  await writeFileAtomic(file, `${JSON.stringify(raw, null, 2)}\n`);
  return file;
}
