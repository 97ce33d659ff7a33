// The QDQ conv: its quantization parameters computed by hand, and the graph run by onnxruntime,
// which must fuse it into QLinearConv and agree with a float64 conv to within the quantization steps.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@mule-ts/test-utils';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from './onnx-graph-builder.js';
import { qdqConv, qlinearConvChannelsLast, quantizeKernelPerChannel, uint8Quantization, type QdqConvInput } from './qdq-conv.js';

describe('QDQ conv', () => {
  it('uint8 parameters cover the range widened to 0; int8 kernels are symmetric per output channel', () => {
    expect(uint8Quantization({ min: -1, max: 3 })).toEqual({ scale: Math.fround(4 / 255), zeroPoint: 64 });
    expect(uint8Quantization({ min: 0.5, max: 2 })).toEqual({ scale: Math.fround(2 / 255), zeroPoint: 0 }); // widened to include 0
    expect(uint8Quantization({ min: -2, max: -1 })).toEqual({ scale: Math.fround(2 / 255), zeroPoint: 255 });
    const { values, scales } = quantizeKernelPerChannel(Float32Array.of(0.5, -1, 0.25, 2, -0.5, 1), 2);
    expect(Array.from(scales)).toEqual([Math.fround(1 / 127), Math.fround(2 / 127)]);
    expect(Array.from(values)).toEqual([64, -127, 32, 127, -32, 64]);
  });

  it('onnxruntime fuses it into QLinearConv and it agrees with a float64 conv within the quantization steps', async () => {
    const random = mulberry32(3);
    const [cin, cout, h, w] = [8, 6, 5, 7];
    const x = Float32Array.from({ length: cin * h * w }, () => random() * 4 - 1);
    const kernel = Float32Array.from({ length: cout * cin }, () => random() - 0.5);
    const bias = Float32Array.from({ length: cout }, () => random() - 0.5);
    // float64 1x1 conv
    const want = new Float64Array(cout * h * w);
    for (let o = 0; o < cout; o++) for (let p = 0; p < h * w; p++) {
      let acc = bias[o]!;
      for (let c = 0; c < cin; c++) acc += kernel[o * cin + c]! * x[c * h * w + p]!;
      want[o * h * w + p] = acc;
    }
    const outMin = Math.min(...want);
    const outMax = Math.max(...want);
    const b = new OnnxGraphBuilder('qdq');
    const input = b.input('x', [1, cin, h, w]);
    const y = qdqConv(b, { prefix: 'c', x: input, kernel, kernelShape: [cout, cin, 1, 1], bias, options: { kernelShape: [1, 1], padding: { autoPad: 'VALID' } }, input: { min: -1, max: 3 }, output: { min: outMin, max: outMax } });
    b.output(b.node('Identity', [y], {}, 'y'), [1, cout, h, w]);
    const dir = await mkdtemp(join(tmpdir(), 'mule-qdq-'));
    try {
      const optimized = join(dir, 'optimized.onnx');
      const session = await ort.InferenceSession.create(b.encode(), { optimizedModelFilePath: optimized });
      const got = (await session.run({ x: new ort.Tensor('float32', x, [1, cin, h, w]) })).y!.data as Float32Array;
      await session.release();
      expect((await readFile(optimized)).includes('QLinearConv')).toBe(true);
      // input step 4/255 over 8 taps of |w| < 0.5, kernel step, output step: a bound of a few output steps
      const outStep = (outMax - Math.min(0, outMin)) / 255;
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(4 * outStep);
      expect(worst).toBeGreaterThan(0); // it is quantized
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('channels-last (onnxruntime QLinearConv) gives the QDQ conv\'s values on the transposed input: grouped, padded, strided', async () => {
    const random = mulberry32(5);
    const [cin, cout, h, w, groups] = [8, 6, 6, 7, 2];
    const x = Float32Array.from({ length: cin * h * w }, () => random() * 4 - 1);
    const conv: Omit<QdqConvInput, 'x'> = {
      prefix: 'c',
      kernel: Float32Array.from({ length: cout * (cin / groups) * 3 }, () => random() - 0.5),
      kernelShape: [cout, cin / groups, 1, 3],
      bias: Float32Array.from({ length: cout }, () => random() - 0.5),
      options: { kernelShape: [1, 3], strides: [2, 1], group: groups, padding: { pads: [0, 1, 0, 1] } },
      input: { min: -1, max: 3 },
      output: { min: -4, max: 4 },
    };
    const [oh, ow] = [h / 2, w];
    const run = async (channelsLast: boolean): Promise<Float32Array> => {
      const b = new OnnxGraphBuilder('conv');
      const dims = channelsLast ? [1, h, w, cin] : [1, cin, h, w];
      const input = b.input('x', dims);
      const y = (channelsLast ? qlinearConvChannelsLast : qdqConv)(b, { ...conv, x: input });
      b.output(b.node('Identity', [y], {}, 'y'), channelsLast ? [1, oh, ow, cout] : [1, cout, oh, ow]);
      const data = channelsLast ? new Float32Array(x.length) : x;
      if (channelsLast) for (let c = 0; c < cin; c++) for (let p = 0; p < h * w; p++) data[p * cin + c] = x[c * h * w + p]!;
      const session = await ort.InferenceSession.create(b.encode());
      try {
        return (await session.run({ x: new ort.Tensor('float32', data, dims) })).y!.data as Float32Array;
      } finally {
        await session.release();
      }
    };
    const nchw = await run(false);
    const nhwc = await run(true);
    expect(nhwc.length).toBe(cout * oh * ow);
    for (let o = 0; o < cout; o++) for (let p = 0; p < oh * ow; p++) expect(nhwc[p * cout + o]).toBe(nchw[o * oh * ow + p]);
    expect(new Set(nchw).size).toBeGreaterThan(10); // not a constant output
  });
});
