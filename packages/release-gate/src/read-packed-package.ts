/** Reads an unpacked tarball (the `package/` directory `tar xzf` makes): its manifest and its files. */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface PackedPackage {
  manifest: unknown;
  /** Paths relative to the package root, '/'-separated, sorted. */
  files: string[];
}

export async function readPackedPackage(packageRoot: string): Promise<PackedPackage> {
  const entries = await readdir(packageRoot, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(packageRoot, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
  const manifest: unknown = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8'));
  return { manifest, files };
}
