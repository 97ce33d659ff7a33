import { Worker } from 'node:worker_threads';

/** The worker's whole program (CommonJS, run with `eval`, so it needs no file of its own). */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (message) => {
  if (message === 'digest') parentPort.postMessage({ digest: hash.digest('hex') });
  else {
    hash.update(message);
    parentPort.postMessage({ hashed: true });
  }
});
`;

/**
 * A sha256 computed on a worker thread, so hashing a large output runs beside the work that
 * produces it. Bytes are hashed in the order given. Bytes on a SharedArrayBuffer reach the worker
 * without a copy and must not change until `update`'s promise resolves; others are copied.
 * Call `terminate()` when done (the worker keeps the process alive until then).
 */
export class Sha256InWorker {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly waiting: Array<{ resolve: (value: { digest?: string }) => void; reject: (error: unknown) => void }> = [];
  private failure: Error | null = null;

  constructor() {
    this.worker.on('message', (reply: { digest?: string }) => this.waiting.shift()?.resolve(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the sha256 worker exited with code ${code}`)));
  }

  async update(bytes: Uint8Array): Promise<void> {
    // Posting a view of an ordinary buffer would copy all of that buffer, not just the view.
    await this.request(bytes.buffer instanceof SharedArrayBuffer ? bytes : bytes.slice());
  }

  async digest(): Promise<string> {
    const reply = await this.request('digest');
    return reply.digest ?? '';
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('the sha256 worker was terminated');
    await this.worker.terminate();
  }

  private request(message: Uint8Array | 'digest'): Promise<{ digest?: string }> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(message);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }
}
