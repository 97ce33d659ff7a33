import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { convertKerasFile } from '@mule-ts/convert';
import { writeKerasFixture } from '@mule-ts/keras-fixture';
import { writeInt8Variant } from '@mule-ts/verify';

/** The artifacts a benchmark runs: the given directory, else a full-size fixture (random weights) converted into `work` (with the fp16, int8 and pipeline variants). */
export async function benchArtifacts(given: string | undefined, work: string, log: (line: string) => void): Promise<string> {
  if (given) return given;
  const keras = join(work, 'fixture-full-seed1.keras');
  log('generating a full-size fixture (random weights) and converting it ...');
  await writeKerasFixture({ size: 'full', seed: 1, out: keras });
  const dir = join(work, 'artifacts');
  await convertKerasFile({ keras, outDir: dir, variants: ['fp16', 'pipeline'] });
  log('writing the int8 variant (calibration on generated audio) ...');
  await writeInt8Variant({ artifacts: dir });
  await rm(keras);
  return dir;
}
