/** The workspace's packages (`packages/*`), read from their package.json: which are published. */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface WorkspacePackage {
  name: string;
  dir: string;
  private: boolean;
}

export async function readWorkspacePackages(root: string, packagesDir = 'packages'): Promise<WorkspacePackage[]> {
  const base = join(root, packagesDir);
  const packages: WorkspacePackage[] = [];
  for (const entry of (await readdir(base, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const manifestPath = join(base, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { name?: unknown; private?: unknown };
    if (typeof manifest.name !== 'string') throw new Error(`${manifestPath} has no name`);
    packages.push({ name: manifest.name, dir: join(base, entry.name), private: manifest.private === true });
  }
  return packages;
}

