/** parity.json and the `parity` field of manifest.json: plain JSON (Infinity and NaN as strings). */
import type { ParityResult } from '../parity/index.js';
import { VERIFY_TOOL } from '../version.js';

export const PARITY_JSON_FORMAT = 'mule-ts-parity';
export const PARITY_JSON_VERSION = 1;

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** The full result, as written to parity.json. */
export function parityJson(result: ParityResult): string {
  const document = { format: PARITY_JSON_FORMAT, formatVersion: PARITY_JSON_VERSION, tool: VERIFY_TOOL, ...result };
  return `${JSON.stringify(document, jsonSafe, 2)}\n`;
}

/** The summary recorded in the artifacts' manifest.json (`parity`). */
export function paritySummary(result: ParityResult): Record<string, unknown> {
  const referenceTool = result.reference.manifests[0];
  const summary = {
    verdict: result.verdict,
    checkedAt: result.createdAt,
    tool: `${VERIFY_TOOL.name}@${VERIFY_TOOL.version}`,
    onnx: result.onnx,
    audio: result.audio.description,
    reference: {
      runner: result.reference.runner,
      tool: referenceTool ? `${referenceTool.tool}@${referenceTool.version}` : null,
      python: referenceTool?.python ? `${referenceTool.python.implementation} ${referenceTool.python.version}` : null,
    },
    stages: Object.fromEntries(
      result.stages.map((s) => [
        s.stage,
        {
          status: s.status,
          ...(s.metrics ? { minRowCosine: s.metrics.minRowCosine, cosine: s.metrics.cosine, maxAbs: s.metrics.maxAbs, maxRel: s.metrics.maxRel } : {}),
          ...(s.threshold && s.status !== 'not-requested' ? { threshold: s.threshold } : {}),
          ...(s.margin !== null ? { margin: s.margin } : {}),
          ...(s.problems.length > 0 ? { problems: s.problems } : {}),
        },
      ]),
    ),
  };
  return JSON.parse(JSON.stringify(summary, jsonSafe)) as Record<string, unknown>;
}
