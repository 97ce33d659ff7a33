/** `mule convert --keras FILE [--out DIR] [--no-onnx] [--keep-ws] [--variants fp16,int8] [--calibration DIR]` */
import { resolve } from 'node:path';
import { BACKBONE_FILE_NAME, SAFETENSORS_FILE_NAME, backboneFileName } from '@mule-ts/core';
import { CONVERT_VARIANTS, PIPELINE_FILE_NAME, convertKerasFile } from '@mule-ts/convert';
import { writeInt8Variant } from '@mule-ts/verify';
import { choiceFlag, parseCommandArgs } from '../args/parse-command-args.js';
import { ByteProgress, formatBytes } from '../byte-progress.js';
import { EXIT_OK } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { requireExisting } from '../input-error.js';
import { UsageError } from '../usage-error.js';

export const CONVERT_USAGE = `Usage: mule convert --keras FILE [--out DIR] [--no-onnx] [--keep-ws] [--variants fp16,int8,pipeline]
                    [--calibration DIR]

Converts a MULE Keras model (.keras v3 zip or legacy .h5; the format is read from the bytes) into
DIR (default ./artifacts): model.safetensors, backbone.onnx, config.json, manifest.json. Written
atomically: a failed run leaves nothing new behind. The artifacts then need a passing
\`mule verify --onnx --artifacts DIR\` before \`mule embed\` runs them.

  --keras FILE   the Keras model file
  --out DIR      where the artifacts go (default ./artifacts)
  --no-onnx      skip the ONNX export (safetensors, config and manifest only)
  --keep-ws      keep weight standardisation in the ONNX graph (default: baked into the kernels)
  --variants L   also write backbone variants, comma-separated: fp16 (backbone-fp16.onnx: float16
                 weights, half the download, computed in float32) and int8 (backbone-int8.onnx:
                 quantized convs, about 2.4x the fp32 speed on CPUs with int8 dot products;
                 calibrated, the method and the convs kept float32 chosen by measured drift);
                 each is verified on its own (mule verify --onnx --precision P) and chosen with
                 mule embed --precision P; and pipeline (pipeline.onnx: the whole pipeline, a
                 16 kHz waveform in, the embedding and timeline out, for any ONNX runtime;
                 verified with mule verify --onnx --pipeline)
  --calibration DIR  calibrate int8 on the audio files in DIR (default: a built-in generated set)
`;

const FLAGS = {
  keras: { type: 'string' },
  out: { type: 'string' },
  'no-onnx': { type: 'boolean' },
  'keep-ws': { type: 'boolean' },
  variants: { type: 'string' },
  calibration: { type: 'string' },
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
  const requested = (values.variants ?? '').split(',').map((v) => v.trim()).filter(Boolean).map((v) => choiceFlag(v, '--variants', [...CONVERT_VARIANTS, 'int8'] as const, 'convert'));
  const variants = requested.filter((v): v is (typeof CONVERT_VARIANTS)[number] => v !== 'int8');
  const int8 = requested.includes('int8');
  if (values.calibration !== undefined && !int8) throw new UsageError('--calibration calibrates the int8 variant: give --variants int8', 'convert');
  if (requested.length > 0 && values['no-onnx'] === true) throw new UsageError('--variants are ONNX files: not with --no-onnx', 'convert');
  if (requested.length > 0 && values['keep-ws'] === true) throw new UsageError('--variants need the standardised kernels baked in: not with --keep-ws', 'convert');
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
  if (int8) {
    io.stderr.write('  writing backbone-int8.onnx (calibration, then candidates judged on held-out audio)\n');
    const q = await writeInt8Variant({ artifacts: outDir, ...(values.calibration !== undefined ? { calibration: resolve(cwd, values.calibration) } : {}), onProgress: (m) => io.stderr.write(`  ${m}\n`) });
    summary.files[backboneFileName('int8')] = { sha256: q.sha256, bytes: q.bytes };
    io.stderr.write(`  int8: ${q.quantizedConvs} convs quantized ("${q.chosen.label}"); per-conv drift, largest first:\n`);
    for (const d of q.layerDrift.slice(0, 8)) io.stderr.write(`    ${d.conv.padEnd(36)} ${d.relativeRms.toExponential(2)} relative RMS vs fp32\n`);
  }
  const st = summary.files[SAFETENSORS_FILE_NAME]!;
  const onnx = summary.files[BACKBONE_FILE_NAME];
  const variantFile = (v: (typeof requested)[number]): string => (v === 'pipeline' ? PIPELINE_FILE_NAME : backboneFileName(v));
  const variantFiles = requested.map((v) => `, ${variantFile(v)} (${formatBytes(summary.files[variantFile(v)]!.bytes)})`).join('');
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
      ...requested.map((v) => `               mule verify --onnx ${v === 'pipeline' ? '--pipeline' : `--precision ${v}`} --artifacts ${outDir}`),
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}
