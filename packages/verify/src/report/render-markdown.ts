/** parity.md: the result as Markdown, e.g. for a CI job summary. */
import { backboneFileName } from '@mule-ts/core';
import type { ParityResult } from '../parity/index.js';
import { formatCosine, formatMargin, formatShapes, formatSmall, formatThreshold, STATUS_LABEL } from './format.js';

const ICON = { pass: '✅', fail: '❌', 'not-run': '❌', 'not-requested': '➖' } as const;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderParityMarkdown(result: ParityResult): string {
  const lines: string[] = [];
  lines.push(`## MULE parity: ${result.verdict === 'pass' ? '✅ pass' : '❌ FAIL'}`);
  lines.push('');
  lines.push(`- audio: ${cell(result.audio.description)} (${result.audio.samples} samples at ${result.audio.sampleRate} Hz)`);
  lines.push(`- reference: \`${result.reference.runner}\` (${cell(result.reference.description)})`);
  if (result.upstreamDump) {
    const d = result.upstreamDump;
    const versions = Object.entries(d.versions).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`- upstream dump: \`${d.descriptor}\` (sha256 ${d.sha256}${versions ? `; ${cell(versions)}` : ''}${d.modelSha256 ? `; model sha256 ${d.modelSha256}` : ''})`);
  }
  lines.push(`- runtime: ${cell(result.candidate)}`);
  if (result.artifactsDir) lines.push(`- artifacts: \`${result.artifactsDir}\``);
  if (result.keras) lines.push(`- Keras file: \`${result.keras}\``);
  lines.push(`- ONNX stages: ${result.onnx ? `requested (--onnx): \`${result.pipelineOnnx ? 'pipeline.onnx' : backboneFileName(result.precision)}\` (${result.pipelineOnnx ? 'the whole pipeline, waveform in' : result.precision})` : 'not requested (front-end only)'}`);
  lines.push('');
  lines.push('| stage | verdict | cosine (min row) | max-abs | max-rel | shape | threshold | margin |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const s of result.stages) {
    lines.push(
      `| ${s.stage} | ${ICON[s.status]} ${STATUS_LABEL[s.status]} | ${formatCosine(s.metrics?.minRowCosine)} | ${formatSmall(s.metrics?.maxAbs)} | ${formatSmall(s.metrics?.maxRel)} | ${formatShapes(s.candidateShape, s.referenceShape)} | ${s.status === 'not-requested' ? '-' : cell(formatThreshold(s.threshold))} | ${formatMargin(s.margin)} |`,
    );
  }
  const details = result.stages.filter((s) => s.problems.length > 0);
  if (details.length > 0) {
    lines.push('');
    for (const s of details) for (const p of s.problems) lines.push(`- **${s.stage}** (${STATUS_LABEL[s.status]}): ${cell(p)}`);
  }
  if (result.notes.length > 0) {
    lines.push('');
    for (const n of result.notes) lines.push(`> ${cell(n)}`);
  }
  lines.push('');
  lines.push(`Margin = threshold / measured (max-abs, and 1 - cosine), the smaller; "exact" = no difference. ${result.seconds.toFixed(1)} s.`);
  return `${lines.join('\n')}\n`;
}
