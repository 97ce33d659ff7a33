/** The page's two pictures: a file's timeline as a heatmap, and the cosine similarity of the files. */

/** The timeline (K slices x D dimensions) as a canvas: one column per slice, D folded into 96 bands. */
export function drawTimeline(timeline: Float32Array, slices: number, dim: number): HTMLCanvasElement {
  const bands = 96;
  const per = Math.ceil(dim / bands);
  const cell = 6;
  const canvas = document.createElement('canvas');
  canvas.width = slices * cell;
  canvas.height = bands * 2;
  canvas.className = 'timeline';
  canvas.title = `timeline: ${slices} slice(s) x ${dim} dimensions (each row the mean of ${per})`;
  const values = new Float32Array(slices * bands);
  for (let k = 0; k < slices; k++) {
    for (let b = 0; b < bands; b++) {
      let sum = 0;
      let n = 0;
      for (let d = b * per; d < Math.min(dim, (b + 1) * per); d++, n++) sum += timeline[k * dim + d]!;
      values[k * bands + b] = n ? sum / n : 0;
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  for (let k = 0; k < slices; k++) {
    for (let b = 0; b < bands; b++) {
      const t = hi > lo ? (values[k * bands + b]! - lo) / (hi - lo) : 0.5;
      ctx.fillStyle = `rgb(${Math.round(255 * t)}, ${Math.round(80 + 120 * (1 - Math.abs(2 * t - 1)))}, ${Math.round(255 * (1 - t))})`;
      ctx.fillRect(k * cell, (bands - 1 - b) * 2, cell, 2);
    }
  }
  return canvas;
}

/** The cosine similarity of every pair of clip embeddings, as a table of text cells. */
export function similarityTable(items: ReadonlyArray<{ name: string; embedding: Float32Array | null }>): HTMLTableElement {
  const rows = items.filter((i) => i.embedding);
  const table = document.createElement('table');
  table.className = 'similarity';
  const head = table.insertRow();
  head.insertCell().textContent = 'cosine';
  for (const r of rows) head.insertCell().textContent = r.name;
  for (const a of rows) {
    const row = table.insertRow();
    row.insertCell().textContent = a.name;
    for (const b of rows) {
      let dot = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < a.embedding!.length; i++) {
        dot += a.embedding![i]! * b.embedding![i]!;
        aa += a.embedding![i]! ** 2;
        bb += b.embedding![i]! ** 2;
      }
      row.insertCell().textContent = (dot / Math.sqrt(aa * bb)).toFixed(4);
    }
  }
  return table;
}
