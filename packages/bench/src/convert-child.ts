// Child process of the convert benchmark: one conversion, then its time and peak RSS as JSON.
import { convertKerasFile } from '@mule-ts/convert';

const [keras, outDir] = process.argv.slice(2);
if (!keras || !outDir) throw new Error('usage: convert-child KERAS OUT_DIR');
const t0 = performance.now();
const summary = await convertKerasFile({ keras, outDir });
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(
  `${JSON.stringify({ result: { seconds, parameterCount: summary.parameterCount }, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
