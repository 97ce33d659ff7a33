/**
 * `pnpm convert`: a Keras file in, `model.safetensors` + `config.json` + `manifest.json` out,
 * written atomically (nothing new survives a failed run).
 */
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import {
  BACKBONE_FILE_NAME,
  backboneFileName,
  MANIFEST_FILE_NAME,
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  MODEL_CONFIG_FILE_NAME,
  MULE_F0_PARAMETER_COUNT,
  MULE_F0_SPEC,
  MuleError,
  SAFETENSORS_FILE_NAME,
  makeModelConfig,
  parseManifest,
  serializeManifest,
  type ArtifactManifest,
  type SfNfNetSpec,
  type VerificationRecord,
} from '@mule-ts/core';
import { openKerasFile } from '../keras/open-keras-file.js';
import { createStagedOutput, writeStagedFile } from '../output/index.js';
import { buildCanonicalCheckpoint, recogniseSfNfNet } from '../recognise/index.js';
import { writeBackboneOnnx, writePipelineOnnx } from '../onnx/index.js';
import { openSafetensors, writeSafetensors } from '../safetensors/index.js';
import { CONVERTER } from './converter-version.js';

/** 'open': the HDF5 tree is walked in place while a worker hashes the source and checks the weights' CRC-32. */
export type ConvertPhase = 'open' | 'recognise' | 'write' | 'onnx' | 'finish';

export interface ConvertProgress {
  phase: ConvertPhase;
  /** Bytes written so far in the 'write' phase. */
  doneBytes?: number;
  totalBytes?: number;
  tensor?: string;
}

/**
 * The variants the converter writes on its own (int8 needs calibration with a runtime): fp16
 * (backbone-fp16.onnx) and pipeline (pipeline.onnx: waveform in, embedding and timeline out).
 */
export const CONVERT_VARIANTS = ['fp16', 'pipeline'] as const;
export const PIPELINE_FILE_NAME = 'pipeline.onnx';
export type ConvertVariant = (typeof CONVERT_VARIANTS)[number];

export interface ConvertOptions {
  keras: string;
  outDir: string;
  /** Also export `backbone.onnx` (default true). */
  onnx?: boolean;
  /** Keep weight standardisation in the ONNX graph instead of baking it into the kernels. */
  keepWs?: boolean;
  /**
   * Backbone variants to write beside backbone.onnx, each its own file in the manifest (verified on
   * its own): 'fp16' writes backbone-fp16.onnx, float16 weights computed in float32.
   */
  variants?: readonly ConvertVariant[];
  onProgress?: (p: ConvertProgress) => void;
}

export interface ConvertSummary {
  source: { file: string; sha256: string; bytes: number; kerasVersion: string | null; container: string };
  outDir: string;
  files: Record<string, { sha256: string; bytes: number }>;
  parameterCount: number;
  tensorCount: number;
  isReleasedMuleArchitecture: boolean;
  seconds: number;
}


export async function convertKerasFile(options: ConvertOptions): Promise<ConvertSummary> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  if (options.onnx === false && (options.variants?.length ?? 0) > 0) throw new Error('backbone variants are ONNX files: they cannot be written with onnx: false');
  if ((options.variants?.length ?? 0) > 0 && options.keepWs) throw new Error('backbone variants need the standardised kernels baked in: not with keepWs');
  const sourceStat = await statSource(options.keras);
  const sourceBytes = sourceStat.size;
  progress({ phase: 'open' });
  const model = await openKerasFile(options.keras, { sha256: true });
  try {
    const sourceSha256 = model.sourceSha256;
    if (sourceSha256 === null) throw new Error('internal: openKerasFile was asked for the sha256 but gave none');
    progress({ phase: 'recognise' });
    const recognised = recogniseSfNfNet(model);
    const checkpoint = buildCanonicalCheckpoint(model, recognised);
    const isReleased = sameSpec(checkpoint.spec, MULE_F0_SPEC) && checkpoint.parameterCount === MULE_F0_PARAMETER_COUNT;

    const staged = await createStagedOutput(options.outDir);
    try {
      const written = await writeSafetensors(
        staged.pathFor(SAFETENSORS_FILE_NAME),
        checkpoint.tensors.map((t) => ({ name: t.name, dtype: 'F32' as const, shape: t.shape, read: t.read, readInto: t.readInto })),
        {
          format: 'mule-ts',
          architecture: 'SF-NFNet-F0',
          source_file: basename(options.keras),
          source_sha256: sourceSha256,
          source_keras_version: model.kerasVersion ?? 'unknown',
          converter: CONVERTER.name,
          converter_version: CONVERTER.version,
          layout: 'conv weight OIHW (raw WeightStandardization v), gain, bias; dense weight [out, in]; skip_gain scalar',
          // canonical name -> the HDF5 dataset it was read from, for anyone auditing the mapping
          source_paths: JSON.stringify(Object.fromEntries(checkpoint.tensors.map((t) => [t.name, t.source.path]))),
        },
        (doneBytes, totalBytes, tensor) => progress({ phase: 'write', doneBytes, totalBytes, tensor }),
      );
      const files: Record<string, { sha256: string; bytes: number }> = {
        [SAFETENSORS_FILE_NAME]: { sha256: written.sha256, bytes: written.bytes },
      };
      const config = makeModelConfig(checkpoint.spec, checkpoint.parameterCount, isReleased);
      if (options.onnx !== false) {
        progress({ phase: 'onnx' });
        // Built from the safetensors just written, so the ONNX holds exactly what they hold.
        const tensors = openSafetensors(staged.pathFor(SAFETENSORS_FILE_NAME));
        try {
          const onnx = await writeBackboneOnnx(staged.pathFor(BACKBONE_FILE_NAME), checkpoint.spec, (name) => tensors.readTensor(name), {
            keepWs: options.keepWs ?? false,
            source: options.keras,
            producerVersion: CONVERTER.version,
          });
          files[BACKBONE_FILE_NAME] = { sha256: onnx.sha256, bytes: onnx.byteLength };
          const variants = new Set(options.variants ?? []);
          if (variants.has('pipeline')) {
            progress({ phase: 'onnx', tensor: PIPELINE_FILE_NAME });
            const written = await writePipelineOnnx(staged.pathFor(PIPELINE_FILE_NAME), checkpoint.spec, (name) => tensors.readTensor(name), config, {
              source: options.keras,
              producerVersion: CONVERTER.version,
            });
            files[PIPELINE_FILE_NAME] = { sha256: written.sha256, bytes: written.byteLength };
          }
          for (const variant of variants) {
            if (variant === 'pipeline') continue;
            const file = backboneFileName(variant);
            progress({ phase: 'onnx', tensor: file });
            const written = await writeBackboneOnnx(staged.pathFor(file), checkpoint.spec, (name) => tensors.readTensor(name), {
              source: options.keras,
              producerVersion: CONVERTER.version,
              weights: 'float16',
            });
            files[file] = { sha256: written.sha256, bytes: written.byteLength };
          }
        } finally {
          tensors.close();
        }
      }
      files[MODEL_CONFIG_FILE_NAME] = await writeStagedFile(staged, MODEL_CONFIG_FILE_NAME, `${JSON.stringify(config, null, 2)}\n`);
      const manifest: ArtifactManifest = {
        format: MANIFEST_FORMAT,
        formatVersion: MANIFEST_FORMAT_VERSION,
        converter: { ...CONVERTER },
        source: {
          file: basename(options.keras),
          path: relative(resolve(options.outDir), resolve(options.keras)).split(sep).join('/'),
          sha256: sourceSha256,
          bytes: sourceBytes,
          kerasVersion: model.kerasVersion,
        },
        createdAt: new Date().toISOString(),
        files,
        verification: await earlierVerification(options.outDir),
      };
      await writeStagedFile(staged, MANIFEST_FILE_NAME, serializeManifest(manifest));
      progress({ phase: 'finish' });
      await assertUnchanged(options.keras, sourceStat);
      await staged.commit();
      return {
        source: { file: options.keras, sha256: sourceSha256, bytes: sourceBytes, kerasVersion: model.kerasVersion, container: model.container },
        outDir: options.outDir,
        files,
        parameterCount: checkpoint.parameterCount,
        tensorCount: checkpoint.tensors.length,
        isReleasedMuleArchitecture: isReleased,
        seconds: (performance.now() - started) / 1000,
      };
    } catch (e) {
      await staged.abort();
      throw e;
    }
  } finally {
    await model.close();
  }
}

/**
 * The verification records of the manifest this conversion replaces, kept so that converting again
 * destroys no result: a record counts only for the bytes it names, so records of files that changed
 * never vouch for the new ones. A missing or unreadable earlier manifest has none.
 */
async function earlierVerification(outDir: string): Promise<VerificationRecord[]> {
  try {
    return parseManifest(await readFile(join(outDir, MANIFEST_FILE_NAME), 'utf8'), MANIFEST_FILE_NAME).verification;
  } catch {
    return [];
  }
}

async function statSource(file: string): Promise<Stats> {
  try {
    return await stat(file);
  } catch (cause) {
    throw new MuleError('IO', `Cannot read ${file}: ${(cause as Error).message}`, { file, cause });
  }
}

/**
 * The file is read twice over (HDF5 reads it in place while a worker hashes it), so a file replaced
 * or rewritten meanwhile could pair one file's weights with another's sha256: refuse it.
 */
async function assertUnchanged(file: string, before: Stats): Promise<void> {
  const after = await statSource(file);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.ino !== before.ino) {
    throw new MuleError('IO', `${file} changed while it was converted (its size, modification time or inode differ); nothing was written, run convert again`, {
      file,
      expected: { size: before.size, mtimeMs: before.mtimeMs, ino: before.ino },
      found: { size: after.size, mtimeMs: after.mtimeMs, ino: after.ino },
    });
  }
}

function sameSpec(a: SfNfNetSpec, b: SfNfNetSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
