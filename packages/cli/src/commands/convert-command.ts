/** `mule convert --keras FILE [--out DIR] [--no-onnx] [--keep-ws] [--variants fp16]` */
import { resolve } from 'node:path';
import { BACKBONE_FILE_NAME, SAFETENSORS_FILE_NAME, backboneFileName } from '@mule-ts/core';
import { CONVERT_VARIANTS, convertKerasFile } from '@mule-ts/convert';
import { choiceFlag, parseCommandArgs } from '../args/parse-command-args.js';
import { ByteProgress, formatBytes } from '../byte-progress.js';
import { EXIT_OK } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { requireExisting } from '../input-error.js';
import { UsageError } from '../usage-error.js';

export const CONVERT_USAGE = `Usage: mule convert --keras FILE [--out DIR] [--no-onnx] [--keep-ws] [--variants fp16]

Converts a MULE Keras model (.keras v3 zip or legacy .h5; the format is read from the bytes) into
DIR (default ./artifacts): model.safetensors, backbone.onnx, config.json, manifest.json. Written
atomically: a failed run leaves nothing new behind. The artifacts then need a passing
\`mule verify --onnx --artifacts DIR\` before \`mule embed\` runs them.

  --keras FILE   the Keras model file
  --out DIR      where the artifacts go (default ./artifacts)
  --no-onnx      skip the ONNX export (safetensors, config and manifest only)
  --keep-ws      keep weight standardisation in the ONNX graph (default: baked into the kernels)
  --variants L   also write backbone variants, comma-separated: fp16 (backbone-fp16.onnx: float16
                 weights, half the download, computed in float32); each is verified on its own
                 (mule verify --onnx --precision fp16) and chosen with mule embed --precision fp16
`;

const FLAGS = {
  keras: { type: 'string' },
  out: { type: 'string' },
  'no-onnx': { type: 'boolean' },
  'keep-ws': { type: 'boolean' },
  variants: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const PHASES: Record<string, string> = {
  open: 'reading the Keras archive (config and weights)',
  recognise: 'recognising SF-NFNet-F0 and checking every tensor',
  onnx: `exporting ${BACKBONE_FILE_NAME}`,
};

export async function runConvertCommand(args: readonly string[], io: CliIo, cwd: string): Promise<number> {
  const { values, positionals } = parseCommandArgs('convert', args, FLAGS);
  if (values.help) {
    io.stdout.write(CONVERT_USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (the Keras file goes after --keras)`, 'convert');
  if (values.keras === undefined) throw new UsageError('--keras FILE is required', 'convert');
  const variants = (values.variants ?? '').split(',').map((v) => v.trim()).filter(Boolean).map((v) => choiceFlag(v, '--variants', CONVERT_VARIANTS, 'convert'));
  if (variants.length > 0 && values['no-onnx'] === true) throw new UsageError('--variants are ONNX files: not with --no-onnx', 'convert');
  if (variants.length > 0 && values['keep-ws'] === true) throw new UsageError('--variants need the standardised kernels baked in: not with --keep-ws', 'convert');
  const keras = resolve(cwd, values.keras);
  const outDir = resolve(cwd, values.out ?? 'artifacts');
  await requireExisting(keras, '--keras', 'give the .keras (or legacy .h5) file Keras saved the MULE model to');

  io.stderr.write(`converting ${keras}\n`);
  const bar = new ByteProgress(io.stderr, `writing ${SAFETENSORS_FILE_NAME}`);
  const summary = await convertKerasFile({
    keras,
    outDir,
    onnx: values['no-onnx'] !== true,
    keepWs: values['keep-ws'] === true,
    variants,
    onProgress: (p) => {
      if (p.phase === 'write') bar.update(p.doneBytes ?? 0, p.totalBytes ?? 0, p.tensor ?? '');
      else if (p.phase !== 'finish') {
        if (p.phase === 'onnx') bar.done();
        io.stderr.write(`  ${p.phase === 'onnx' && p.tensor ? `exporting ${p.tensor}` : (PHASES[p.phase] ?? p.phase)}\n`);
      }
    },
  });
  const st = summary.files[SAFETENSORS_FILE_NAME]!;
  const onnx = summary.files[BACKBONE_FILE_NAME];
  const variantFiles = variants.map((v) => `, ${backboneFileName(v)} (${formatBytes(summary.files[backboneFileName(v)]!.bytes)})`).join('');
  io.stdout.write(
    [
      '',
      `converted in ${summary.seconds.toFixed(1)} s`,
      `  source       ${summary.source.file} (${formatBytes(summary.source.bytes)}, ${summary.source.container}, Keras ${summary.source.kerasVersion ?? 'unknown'})`,
      `  architecture SF-NFNet-F0${summary.isReleasedMuleArchitecture ? ' (the released MULE size)' : ' (a variant: not the released MULE size)'}`,
      `  parameters   ${summary.parameterCount.toLocaleString('en-US')} in ${summary.tensorCount} tensors`,
      `  written      ${outDir}/${SAFETENSORS_FILE_NAME} (${formatBytes(st.bytes)})${onnx ? `, ${BACKBONE_FILE_NAME} (${formatBytes(onnx.bytes)})` : ''}${variantFiles}, config.json, manifest.json`,
      `  sha256       ${st.sha256}`,
      `  next         mule verify --onnx --artifacts ${outDir}   (mule embed runs verified artifacts only)`,
      ...variants.map((v) => `               mule verify --onnx --precision ${v} --artifacts ${outDir}`),
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}
