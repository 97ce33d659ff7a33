// pnpm --filter @mule-ts/core run build:wasm: compiles src/audio/resample-kernel.wat with wabt into
// src/audio/resample-kernel-bytes.ts (committed, so core needs no build step and no wabt at run time;
// a test compiles the .wat again and fails when the two differ).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import wabtInit from 'wabt';

const WAT = fileURLToPath(new URL('../src/audio/resample-kernel.wat', import.meta.url));
export const BYTES_MODULE = fileURLToPath(new URL('../src/audio/resample-kernel-bytes.ts', import.meta.url));

/** The kernel's .wasm bytes, compiled from its .wat source. */
export async function compileResampleKernel(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('resample-kernel.wat', await readFile(WAT, 'utf8'), { simd: true });
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** The TypeScript module holding `bytes` as base64. */
export function bytesModuleText(bytes: Uint8Array): string {
  return [
    '// Generated from resample-kernel.wat by packages/core/scripts/build-resample-kernel.ts (wabt): do not edit.',
    `export const RESAMPLE_KERNEL_WASM_BASE64 =\n  '${Buffer.from(bytes).toString('base64')}';`,
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bytes = await compileResampleKernel();
  await writeFile(BYTES_MODULE, bytesModuleText(bytes));
  console.log(`wrote ${BYTES_MODULE} (${bytes.length} bytes of WebAssembly)`);
}
