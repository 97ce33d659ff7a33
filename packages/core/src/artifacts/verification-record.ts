/**
 * Verification records: what one complete verify run checked, bound to the bytes it checked (the
 * sha256 of every artifact file it covered and of the source Keras file).
 */
import type { JsonFields } from './json-fields.js';

export type StageStatusRecord = 'pass' | 'fail' | 'not-requested';

export interface StageRecord {
  status: StageStatusRecord;
  /** Measured; null where the stage has no such figure. */
  minRowCosine?: number | null;
  cosine?: number | null;
  maxAbs?: number | null;
  maxRel?: number | null;
  threshold?: { minCosine: number; maxAbs: number; maxRel?: number };
  /** threshold / measured, the smaller; 'Infinity' when the arrays were identical. */
  margin?: number | 'Infinity' | null;
  problems?: string[];
}

export interface VerificationRecord {
  /** Unique per run. */
  id: string;
  verdict: 'pass' | 'fail';
  /** ISO 8601. */
  checkedAt: string;
  /** The verifier (e.g. @mule-ts/verify and its version). */
  tool: { name: string; version: string };
  /** The Keras file the reference evaluated; null when no stage needed it (front-end only). */
  source: { file: string; sha256: string } | null;
  /** sha256 of each artifact file the run covered, by file name. */
  files: Record<string, string>;
  /** The independent reference: runner, its tool and version, the interpreter it ran in. */
  reference: { runner: string; tool: string | null; python: string | null };
  /** The audio the run used, described. */
  audio: string;
  stages: Record<string, StageRecord>;
  /** When the reference was a dump of the genuine upstream pipeline (`mule verify --reference DIR`). */
  upstreamDump?: UpstreamDumpRecord;
}

/** The upstream dump a record was made against, bound by the sha256 of its descriptor. */
export interface UpstreamDumpRecord {
  /** The file that describes the dump: manifest.json (upstream_dump.py) or info.json (the goldens' layout). */
  descriptor: string;
  /** sha256 of that file (it lists the arrays; the arrays themselves are checked against it). */
  sha256: string;
  /** Upstream libraries and their versions as the dump names them (empty when it names none). */
  versions: Record<string, string | null>;
  /** sha256 of the model file upstream ran, when the dump records it. */
  modelSha256: string | null;
  /** sha256 of the audio the dump was made from, when it records it. */
  audioSha256: string | null;
}

/** Reads one record of manifest.json's `verification`; errors name the field. */
export function readVerificationRecord(f: JsonFields, value: unknown, field: string): VerificationRecord {
  const o = f.object(value, field);
  const tool = f.object(o.tool, `${field}.tool`);
  const reference = f.object(o.reference, `${field}.reference`);
  const nullableString = (v: unknown, name: string): string | null => (v === null ? null : f.string(v, name));
  let source: VerificationRecord['source'] = null;
  if (o.source !== null) {
    const s = f.object(o.source, `${field}.source`);
    source = { file: f.string(s.file, `${field}.source.file`), sha256: f.sha256(s.sha256, `${field}.source.sha256`) };
  }
  const files: Record<string, string> = {};
  for (const [name, sha] of Object.entries(f.object(o.files, `${field}.files`))) files[name] = f.sha256(sha, `${field}.files.${name}`);
  const stages: Record<string, StageRecord> = {};
  for (const [stage, s] of Object.entries(f.object(o.stages, `${field}.stages`))) {
    const r = f.object(s, `${field}.stages.${stage}`);
    stages[stage] = { ...(r as Partial<StageRecord>), status: f.oneOf(r.status, `${field}.stages.${stage}.status`, ['pass', 'fail', 'not-requested'] as const, 'MALFORMED_JSON') };
  }
  return {
    id: f.string(o.id, `${field}.id`),
    verdict: f.oneOf(o.verdict, `${field}.verdict`, ['pass', 'fail'] as const, 'MALFORMED_JSON'),
    checkedAt: f.isoDate(o.checkedAt, `${field}.checkedAt`),
    tool: { name: f.string(tool.name, `${field}.tool.name`), version: f.string(tool.version, `${field}.tool.version`) },
    source,
    files,
    reference: {
      runner: f.string(reference.runner, `${field}.reference.runner`),
      tool: nullableString(reference.tool, `${field}.reference.tool`),
      python: nullableString(reference.python, `${field}.reference.python`),
    },
    audio: f.string(o.audio, `${field}.audio`),
    stages,
    ...(o.upstreamDump === undefined ? {} : { upstreamDump: readUpstreamDumpRecord(f, o.upstreamDump, `${field}.upstreamDump`) }),
  };
}

function readUpstreamDumpRecord(f: JsonFields, value: unknown, field: string): UpstreamDumpRecord {
  const o = f.object(value, field);
  const nullableSha = (v: unknown, name: string): string | null => (v === null ? null : f.sha256(v, name));
  const versions: Record<string, string | null> = {};
  for (const [name, v] of Object.entries(f.object(o.versions, `${field}.versions`))) versions[name] = v === null ? null : f.string(v, `${field}.versions.${name}`);
  return {
    descriptor: f.string(o.descriptor, `${field}.descriptor`),
    sha256: f.sha256(o.sha256, `${field}.sha256`),
    versions,
    modelSha256: nullableSha(o.modelSha256, `${field}.modelSha256`),
    audioSha256: nullableSha(o.audioSha256, `${field}.audioSha256`),
  };
}
