/**
 * Expands the command line's files and directories into the list of files to embed: files as
 * given (any extension), directories walked recursively in sorted order keeping the audio
 * extensions, then the files of `--inputs` lists as written (not stat'ed); order is kept and
 * repeated files are listed once.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

export async function collectInputs(inputs: readonly string[], extensions: readonly string[], listed: readonly string[] = []): Promise<string[]> {
  const wanted = new Set(extensions.map((e) => e.toLowerCase()));
  const seen = new Set<string>();
  const files: string[] = [];
  const add = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    files.push(file);
  };
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if ((entry.isFile() || entry.isSymbolicLink()) && wanted.has(extname(entry.name).slice(1).toLowerCase())) add(path);
    }
  };
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (info?.isDirectory()) await walk(input);
    else add(input); // a missing or unreadable file is reported when it fails to decode
  }
  for (const file of listed) add(file);
  return files;
}

/** A relative path under an output directory that mirrors `file` (no absolute root, no `..`). */
export function mirroredName(file: string): string {
  return file
    .split(/[\\/]+/)
    .filter((part) => part !== '' && part !== '.')
    .map((part) => (part === '..' ? '__' : part))
    .join('/');
}
