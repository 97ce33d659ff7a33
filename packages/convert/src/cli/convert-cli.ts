/**
 * The `pnpm convert` command line: `convert --keras FILE [--out DIR]` and
 * `convert inspect FILE [--json]`. Returns the exit code; prints errors once, here.
 */
import { isMuleError } from '@mule-ts/core';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { convertKerasFile } from '../convert/convert-keras.js';
import { formatInspectTable, inspectKerasFile } from '../inspect/index.js';
import { ProgressPrinter, formatBytes } from './progress-printer.js';

export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export const CONVERT_USAGE = `Usage:
  pnpm convert --keras FILE [--out DIR] [--no-onnx] [--keep-ws]
                                          convert a MULE Keras model (.keras or .h5) to
                                          model.safetensors + backbone.onnx + config.json +
                                          manifest.json (DIR defaults to ./artifacts);
                                          --no-onnx skips the ONNX export, --keep-ws keeps weight
                                          standardisation in the ONNX graph (default: baked in)
  pnpm convert inspect FILE [--json]      list any Keras file's layers and weights
`;

export async function runConvertCli(args: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    if (args[0] === 'inspect') return await runInspect(args.slice(1), io);
    return await runConvert(args, io);
  } catch (e) {
    if (isMuleError(e)) {
      io.stderr.write(`\nerror [${e.code}]: ${e.message}\n`);
      return 1;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`error: ${e.message}\n\n${CONVERT_USAGE}`);
      return 2;
    }
    throw e;
  }
}

class UsageError extends Error {}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function runInspect(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout.write(CONVERT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one Keras file');
  const report = await inspectKerasFile(positionals[0]!);
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatInspectTable(report));
  return 0;
}

async function runConvert(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    keras: { type: 'string' },
    out: { type: 'string' },
    'no-onnx': { type: 'boolean' },
    'keep-ws': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(CONVERT_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (typeof values.keras !== 'string') throw new UsageError('--keras FILE is required');
  const keras = resolve(values.keras);
  const outDir = resolve(typeof values.out === 'string' ? values.out : 'artifacts');

  io.stderr.write(`converting ${keras}\n`);
  const bar = new ProgressPrinter(io.stderr, 'writing model.safetensors');
  const phases: Record<string, string> = {
    hash: 'hashing the source file',
    open: 'reading the Keras archive (config and weights)',
    recognise: 'recognising SF-NFNet-F0 and checking every tensor',
    onnx: 'exporting backbone.onnx',
  };
  const summary = await convertKerasFile({
    keras,
    outDir,
    onnx: values['no-onnx'] !== true,
    keepWs: values['keep-ws'] === true,
    onProgress: (p) => {
      if (p.phase === 'write') bar.update(p.doneBytes ?? 0, p.totalBytes ?? 0, p.tensor ?? '');
      else if (p.phase === 'finish') return;
      else {
        if (p.phase === 'onnx') bar.done();
        io.stderr.write(`  ${phases[p.phase] ?? p.phase}\n`);
      }
    },
  });
  const st = summary.files['model.safetensors']!;
  const lines = [
    '',
    `converted in ${summary.seconds.toFixed(1)} s`,
    `  source       ${summary.source.file} (${formatBytes(summary.source.bytes)}, ${summary.source.container}, Keras ${summary.source.kerasVersion ?? 'unknown'})`,
    `  architecture SF-NFNet-F0${summary.isReleasedMuleArchitecture ? ' (the released MULE size)' : ' (a variant: not the released MULE size)'}`,
    `  parameters   ${summary.parameterCount.toLocaleString('en-US')} in ${summary.tensorCount} tensors`,
    `  written      ${outDir}/model.safetensors (${formatBytes(st.bytes)})${summary.files['backbone.onnx'] ? `, backbone.onnx (${formatBytes(summary.files['backbone.onnx'].bytes)})` : ''}, config.json, manifest.json`,
    `  sha256       ${st.sha256}`,
    '',
  ];
  io.stdout.write(lines.join('\n'));
  return 0;
}
