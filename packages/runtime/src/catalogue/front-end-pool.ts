/**
 * Runs `prepareFile` (decode + resample + mel + slices) on worker threads, one file per worker at
 * a time, or inline on the main thread when `jobs` is 0; a file's parts of slices reach `onPart`
 * as the worker posts them, before its outcome.
 *
 * From the TypeScript sources (this repo, no build), workers cannot load `.ts` by themselves: a
 * worker then starts from a tiny eval'd script that registers tsx and imports the `.ts` worker.
 */
import { Worker } from 'node:worker_threads';
import type { PrepareRequest, WorkerMessage } from './clip-worker.js';
import { prepareFile, type FilePart, type OnFilePart, type PrepareOutcome, type PrepareSettings } from './prepare-file.js';

interface Job {
  file: string;
  onPart: OnFilePart;
  resolve: (o: PrepareOutcome) => void;
}

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
  private readonly waiting: Array<{ request: PrepareRequest; job: Job }> = [];
  private readonly pending = new Map<number, Job & { slot: Slot }>();
  private nextId = 0;

  constructor(
    readonly jobs: number,
    private readonly settings: PrepareSettings,
  ) {
    for (let i = 0; i < jobs; i++) {
      const slot: Slot = { worker: startWorker(settings), busy: false };
      this.listen(slot);
      this.slots.push(slot);
    }
  }

  prepare(file: string, onPart: OnFilePart): Promise<PrepareOutcome> {
    if (this.jobs === 0) return prepareFile(file, this.settings, onPart);
    return new Promise((resolve) => {
      this.waiting.push({ request: { id: this.nextId++, file }, job: { file, onPart, resolve } });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const next = this.waiting.shift();
      if (!next) return;
      slot.busy = true;
      this.pending.set(next.request.id, { ...next.job, slot });
      slot.worker.postMessage(next.request);
    }
  }

  private listen(slot: Slot): void {
    slot.worker.on('message', (msg: WorkerMessage) => this.onMessage(slot, msg));
    slot.worker.on('error', (e) => this.onWorkerError(slot, e));
  }

  private onMessage(slot: Slot, msg: WorkerMessage): void {
    const job = this.pending.get(msg.id);
    if (!job) return;
    if ('part' in msg) {
      rebuildSliceViews(msg.part);
      job.onPart(msg.part);
      return;
    }
    this.pending.delete(msg.id);
    slot.busy = false;
    job.resolve(msg.outcome);
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
    this.listen(slot);
    slot.busy = false;
    this.dispatch();
  }
}

function rebuildSliceViews(part: FilePart): void {
  const s = part.slices;
  s.slices = [];
  let offset = 0;
  for (const width of s.widths) {
    s.slices.push(s.data.subarray(offset, offset + s.nMels * width));
    offset += s.nMels * width;
  }
}
