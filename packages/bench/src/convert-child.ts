// Child process of the convert benchmark: one conversion, then its wall time, the CPU time of all
// its threads and its peak RSS as JSON.
import { convertKerasFile } from '@mule-ts/convert';

const [keras, outDir, onnx] = process.argv.slice(2);
if (!keras || !outDir || (onnx !== 'onnx' && onnx !== 'no-onnx')) throw new Error('usage: convert-child KERAS OUT_DIR onnx|no-onnx');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const summary = await convertKerasFile({ keras, outDir, onnx: onnx === 'onnx' });
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    result: { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, parameterCount: summary.parameterCount },
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
