/**
 * Verification records: what one complete verify run checked, bound to the bytes it checked (the
 * sha256 of every artifact file it covered and of the source Keras file), and the rule a consumer
 * applies to decide whether the files it is about to run were proven.
 */
import type { JsonFields } from './json-fields.js';
import type { ArtifactManifest } from './manifest.js';

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
}

export type VerificationState = 'verified' | 'unverified' | 'failed';

export interface VerificationStatus {
  state: VerificationState;
  verified: boolean;
  /** The files asked about. */
  files: readonly string[];
  /** The record that decides each file: the newest one covering its current bytes; null if none does. */
  byFile: Record<string, VerificationRecord | null>;
  /** When verified: the newest deciding record; when failed: the failing one; else null. */
  record: VerificationRecord | null;
  /** One sentence for people. */
  reason: string;
}

const short = (sha256: string): string => `${sha256.slice(0, 12)}…`;

/**
 * Whether `files` of these artifacts are proven. For each file, the newest record that covers the
 * file's current sha256 (as the manifest lists it) and, when the record names a source, the
 * manifest's source sha256, decides: verified if it passed. A record about other bytes (another
 * conversion, a changed file) never counts.
 */
export function verificationStatus(manifest: ArtifactManifest, files: readonly string[]): VerificationStatus {
  const byFile: Record<string, VerificationRecord | null> = {};
  const stale: string[] = [];
  for (const name of files) {
    const current = manifest.files[name]?.sha256;
    let decider: VerificationRecord | null = null;
    for (const record of manifest.verification) {
      const covered = record.files[name];
      if (covered === undefined) continue;
      if (covered !== current) {
        stale.push(`${name}: a record of ${record.checkedAt} covers sha256 ${short(covered)}, the file is ${current ? short(current) : 'not listed'}`);
        continue;
      }
      if (record.source !== null && record.source.sha256 !== manifest.source.sha256) {
        stale.push(`${name}: a record of ${record.checkedAt} was made against the Keras file ${short(record.source.sha256)}, these artifacts come from ${short(manifest.source.sha256)}`);
        continue;
      }
      decider = record;
    }
    byFile[name] = decider;
  }
  const deciders = files.map((n) => byFile[n] ?? null);
  const failed = files.find((n) => byFile[n]?.verdict === 'fail');
  const missing = files.filter((n) => byFile[n] === null);
  const list = (names: readonly string[]): string => names.join(' and ');
  if (failed !== undefined) {
    const record = byFile[failed]!;
    const stages = Object.entries(record.stages).filter(([, s]) => s.status === 'fail').map(([stage]) => stage);
    return {
      state: 'failed',
      verified: false,
      files,
      byFile,
      record,
      reason: `the latest verification of ${failed} (${record.checkedAt}, record ${record.id}) failed${stages.length ? ` at ${stages.join(', ')}` : ''}`,
    };
  }
  if (missing.length > 0) {
    const why = stale.length > 0 ? `; ${stale.filter((s) => missing.some((m) => s.startsWith(`${m}:`))).join('; ')}` : '';
    return { state: 'unverified', verified: false, files, byFile, record: null, reason: `${list(missing)} ${missing.length > 1 ? 'have' : 'has'} no passing verification record for ${missing.length > 1 ? 'their' : 'its'} current bytes${why}` };
  }
  const newest = deciders.reduce((a, b) => (b!.checkedAt > a!.checkedAt ? b : a))!;
  return {
    state: 'verified',
    verified: true,
    files,
    byFile,
    record: newest,
    reason: `${list(files)} verified ${newest.checkedAt} by ${newest.tool.name}@${newest.tool.version} against the ${newest.reference.runner} reference (record ${newest.id})`,
  };
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
  };
}
