/** Worker thread body: runs `prepareFile` for each request from the pool, posting each part of slices as it is ready (transferred), then the outcome. */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareFile, type FilePart, type PrepareOutcome, type PrepareSettings } from './prepare-file.js';

export interface PrepareRequest {
  id: number;
  file: string;
}

export type WorkerMessage = { id: number; part: FilePart } | { id: number; outcome: PrepareOutcome };

const settings = workerData as PrepareSettings;
parentPort!.on('message', (request: PrepareRequest) => {
  void prepareFile(request.file, settings, (part) => {
    const buffer = part.slices.data.buffer as ArrayBuffer;
    part.slices.slices = []; // views are rebuilt on the other side
    parentPort!.postMessage({ id: request.id, part } satisfies WorkerMessage, [buffer]);
  }).then((outcome) => parentPort!.postMessage({ id: request.id, outcome } satisfies WorkerMessage));
});
