// core must run unchanged in a browser: bundle its root export for the browser platform and fail on
// any Node built-in (or anything else that would not resolve there).
import { build, type Message } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('./index.ts', import.meta.url));

async function bundleForBrowser(entryPoint: string): Promise<{ errors: Message[]; text: string; imports: Array<{ path: string; external?: boolean }> }> {
  const result = await build({
    entryPoints: [entryPoint],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  }).catch((e: { errors?: Message[] }) => ({ errors: e.errors ?? [], outputFiles: [], metafile: null }));
  const imports = result.metafile ? Object.values(result.metafile.inputs).flatMap((i) => i.imports) : [];
  return { errors: result.errors, text: result.outputFiles?.[0]?.text ?? '', imports };
}

describe('@mule-ts/core in a browser bundle', () => {
  it('bundles for platform browser with no Node built-in and no external import', async () => {
    const { errors, text, imports } = await bundleForBrowser(entry);
    expect(errors.map((e) => e.text)).toEqual([]);
    expect(imports.filter((i) => i.external === true || i.path.startsWith('node:')).map((i) => i.path)).toEqual([]);
    expect(text).not.toMatch(/\brequire\(|from\s*["']node:/);
    console.log(`core browser bundle: ${(text.length / 1024).toFixed(0)} KiB, ${imports.length} module imports`);
  });

  it('would notice a Node import: the same bundling of a module importing node:fs fails', async () => {
    const { errors } = await bundleForBrowser(fileURLToPath(new URL('./__fixtures__/imports-node.ts', import.meta.url)));
    expect(errors.map((e) => e.text).join('\n')).toMatch(/node:fs/);
  });
});
