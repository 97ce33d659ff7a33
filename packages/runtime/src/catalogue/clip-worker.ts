/** Worker thread body: runs `prepareFile` for each request from the pool, transferring the slices. */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareFile, type PrepareSettings } from './prepare-file.js';

export interface PrepareRequest {
  id: number;
  file: string;
}

const settings = workerData as PrepareSettings;
parentPort!.on('message', (request: PrepareRequest) => {
  void prepareFile(request.file, settings).then((outcome) => {
    const transfer = outcome.ok ? [outcome.slices.data.buffer as ArrayBuffer] : [];
    if (outcome.ok) outcome.slices.slices = []; // views are rebuilt on the other side
    parentPort!.postMessage({ id: request.id, outcome }, transfer);
  });
});
