/** The rule a consumer applies to decide whether the artifact files it is about to run were proven. */
import { MuleError } from '../errors/mule-error.js';
import type { ArtifactManifest } from './manifest.js';
import type { VerificationRecord } from './verification-record.js';

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

export interface RunUnverifiedOptions {
  /** Refuse artifacts that are not verified (default true). */
  requireVerified?: boolean;
  /** Told when unverified artifacts are run anyway. */
  warn: (message: string) => void;
}

/**
 * What every runtime does before running artifacts: UNVERIFIED (naming `where`, the manifest
 * `file`, and `hint`, what to do) unless `verification` says they were proven, or, when
 * `requireVerified` is false, a warning and on.
 */
export function refuseUnlessVerified(verification: VerificationStatus, where: { label: string; file: string; hint: string }, options: RunUnverifiedOptions): void {
  if (verification.verified) return;
  const what = verification.state === 'failed' ? 'failed verification' : 'are not verified';
  if (options.requireVerified !== false) {
    throw new MuleError('UNVERIFIED', `${where.label}: these artifacts ${what}: ${verification.reason}`, { file: where.file, hint: where.hint });
  }
  options.warn(`running artifacts that ${what} (${where.label}): ${verification.reason}`);
}
