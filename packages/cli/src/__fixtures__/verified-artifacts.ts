/**
 * Test helper: converts a Keras file and verifies the artifacts with the real reference (python with
 * numpy and h5py), as a user would before `mule embed`. Without such a python nothing can be
 * verified: the caller is told to pass --allow-unverified, and says so.
 */
import { convertKerasFile } from '@mule-ts/convert';
import { describePythonLookup, findPython } from '@mule-ts/test-utils';
import { resolveThresholds, verifyArtifacts } from '@mule-ts/verify';

export interface PreparedArtifacts {
  dir: string;
  /** Flags `mule embed` needs for these artifacts: none when verified, else --allow-unverified. */
  embedFlags: string[];
}

export async function verifiedArtifacts(keras: string, dir: string): Promise<PreparedArtifacts> {
  await convertKerasFile({ keras, outDir: dir });
  const lookup = findPython(['numpy', 'h5py']);
  if (!lookup.python) {
    console.warn(`artifacts left unverified (mule embed runs with --allow-unverified): no python3 with numpy and h5py (${describePythonLookup(lookup)})`);
    return { dir, embedFlags: ['--allow-unverified'] };
  }
  const outcome = await verifyArtifacts({ onnx: true, artifacts: dir, keras, runner: 'python', thresholds: resolveThresholds() });
  if (outcome.record?.verdict !== 'pass') throw new Error(`verification of ${dir} did not pass: ${outcome.notRecorded ?? outcome.result.verdict}`);
  return { dir, embedFlags: [] };
}
