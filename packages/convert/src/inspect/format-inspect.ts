import type { KerasInspectReport } from './inspect-keras-file.js';

const MAX_INBOUND_WIDTH = 48;

/** A readable, aligned text description of an inspected Keras file, for a terminal. */
export function formatInspectTable(report: KerasInspectReport): string {
  const lines: string[] = [];
  lines.push(`file:       ${report.file}`);
  lines.push(`container:  ${report.container === 'keras-v3-zip' ? '.keras zip (v3 format)' : 'legacy HDF5'}`);
  lines.push(`keras:      ${report.kerasVersion ?? 'unknown'}`);
  lines.push(`model:      ${report.modelClass}, ${report.layers.length} layers`);
  if (report.inputs.length > 0) lines.push(`inputs:     ${report.inputs.join(', ')}`);
  if (report.outputs.length > 0) lines.push(`outputs:    ${report.outputs.join(', ')}`);
  lines.push('');

  if (report.layers.length > 0) {
    lines.push('LAYERS');
    const rows = report.layers.map((l) => [
      String(l.index),
      l.name,
      l.className,
      truncate(l.inbound.join(', '), MAX_INBOUND_WIDTH),
      l.h5Group ?? '-',
      String(l.weightCount),
      formatCount(l.parameters),
    ]);
    lines.push(...alignTable(['#', 'name', 'class', 'inbound', 'h5 group', 'weights', 'params'], rows, [true, false, false, false, false, true, true]));
    lines.push('');
  }

  lines.push('DATASETS');
  const rows = report.datasets.map((d) => [
    d.path,
    d.dtype,
    `(${d.shape.join(', ')}${d.shape.length === 1 ? ',' : ''})`,
    formatCount(d.bytes),
    d.layerName === null ? '-' : `${d.layerName} (${d.layerClass ?? '?'}) ${d.slot ?? ''}`.trimEnd(),
  ]);
  lines.push(...alignTable(['path', 'dtype', 'shape', 'bytes', 'layer'], rows, [false, false, false, true, false]));
  lines.push('');

  const t = report.totals;
  lines.push(
    `${t.datasets} datasets, ${formatCount(t.bytes)} bytes; ${t.assignedDatasets} assigned to layers ` +
      `(${formatCount(t.assignedParameters)} parameters), ${t.datasets - t.assignedDatasets} not (optimizer, metrics, ...)`,
  );
  for (const note of report.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}

/** The report as JSON: every dataset an object with `path`, `dtype`, `shape`, `bytes`, owner. */
export function formatInspectJson(report: KerasInspectReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function alignTable(header: string[], rows: string[][], rightAligned: boolean[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const render = (row: string[]): string =>
    row
      .map((cell, c) => {
        const width = widths[c] ?? 0;
        return rightAligned[c] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...rows.map(render)];
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 3)}...`;
}

/** 62345742 -> '62,345,742'. */
function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
