/**
 * Runs `prepareFile` (decode + resample + mel + slices) on worker threads, one file per worker at
 * a time, or inline on the main thread when `jobs` is 0.
 *
 * From the TypeScript sources (this repo, no build), workers cannot load `.ts` by themselves: a
 * worker then starts from a tiny eval'd script that registers tsx and imports the `.ts` worker.
 */
import { Worker } from 'node:worker_threads';
import type { PrepareRequest } from './clip-worker.js';
import { prepareFile, type PrepareOutcome, type PrepareSettings } from './prepare-file.js';

interface Slot {
  worker: Worker;
  busy: boolean;
}

// Workspace packages resolve to their TypeScript sources through the `source` export condition.
const SOURCE_CONDITION_HOOK = `data:text/javascript,${encodeURIComponent(
  'export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, "source"] }); }',
)}`;

function startWorker(settings: PrepareSettings): Worker {
  const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './clip-worker.ts' : './clip-worker.js', import.meta.url);
  if (!workerUrl.pathname.endsWith('.ts')) return new Worker(workerUrl, { workerData: settings });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot =
    `import('node:module').then((m) => m.register(${JSON.stringify(SOURCE_CONDITION_HOOK)}))` +
    `.then(() => import(${JSON.stringify(tsxApi)})).then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); });`;
  return new Worker(boot, { eval: true, workerData: settings });
}

export class FrontEndPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<{ request: PrepareRequest; resolve: (o: PrepareOutcome) => void }> = [];
  private readonly pending = new Map<number, { slot: Slot; resolve: (o: PrepareOutcome) => void; file: string }>();
  private nextId = 0;

  constructor(
    readonly jobs: number,
    private readonly settings: PrepareSettings,
  ) {
    for (let i = 0; i < jobs; i++) {
      const slot: Slot = { worker: startWorker(settings), busy: false };
      slot.worker.on('message', (msg: { id: number; outcome: PrepareOutcome }) => this.onResult(slot, msg));
      slot.worker.on('error', (e) => this.onWorkerError(slot, e));
      this.slots.push(slot);
    }
  }

  prepare(file: string): Promise<PrepareOutcome> {
    if (this.jobs === 0) return prepareFile(file, this.settings);
    return new Promise((resolve) => {
      this.waiting.push({ request: { id: this.nextId++, file }, resolve });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const job = this.waiting.shift();
      if (!job) return;
      slot.busy = true;
      this.pending.set(job.request.id, { slot, resolve: job.resolve, file: job.request.file });
      slot.worker.postMessage(job.request);
    }
  }

  private onResult(slot: Slot, msg: { id: number; outcome: PrepareOutcome }): void {
    const job = this.pending.get(msg.id);
    if (!job) return;
    this.pending.delete(msg.id);
    slot.busy = false;
    const outcome = msg.outcome;
    if (outcome.ok) rebuildSliceViews(outcome);
    job.resolve(outcome);
    this.dispatch();
  }

  /** A worker that dies (e.g. out of memory) fails its file and is replaced. */
  private onWorkerError(slot: Slot, error: Error): void {
    for (const [id, job] of this.pending) {
      if (job.slot !== slot) continue;
      this.pending.delete(id);
      job.resolve({ ok: false, file: job.file, error: `the decoding worker failed: ${error.message}` });
    }
    slot.worker = startWorker(this.settings);
    slot.worker.on('message', (msg: { id: number; outcome: PrepareOutcome }) => this.onResult(slot, msg));
    slot.worker.on('error', (e) => this.onWorkerError(slot, e));
    slot.busy = false;
    this.dispatch();
  }
}

function rebuildSliceViews(outcome: Extract<PrepareOutcome, { ok: true }>): void {
  const s = outcome.slices;
  s.slices = [];
  let offset = 0;
  for (const width of s.widths) {
    s.slices.push(s.data.subarray(offset, offset + s.nMels * width));
    offset += s.nMels * width;
  }
}
