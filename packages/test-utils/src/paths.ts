import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file sits in packages/test-utils/src). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The real-Keras sample files, read from `../shared/keras-samples/` beside the project
 * (or MULE_KERAS_SAMPLES); null when absent, so tests can skip with a message.
 */
export function kerasSamplesDir(): string | null {
  const dir = process.env.MULE_KERAS_SAMPLES ?? join(REPO_ROOT, '..', 'shared', 'keras-samples');
  return existsSync(dir) ? dir : null;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function makeTempDir(prefix = 'mule-ts-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * What the genuine upstream front-end made of five audio files (`../shared/reference/upstream-goldens/`,
 * or MULE_UPSTREAM_GOLDENS); null when absent, so tests can skip with a message.
 */
export function upstreamGoldensDir(): string | null {
  const dir = process.env.MULE_UPSTREAM_GOLDENS ?? join(REPO_ROOT, '..', 'shared', 'reference', 'upstream-goldens');
  return existsSync(join(dir, 'index.json')) ? dir : null;
}
