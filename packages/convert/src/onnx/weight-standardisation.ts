import type { ConvSpec } from '@mule-ts/core';
/**
 * Weight standardisation of a conv kernel, baked in float64 (upstream recomputes it in float32 on
 * every call from `v` and `gain`): per output channel, mean and population variance over
 * (in/groups, kh, kw); fan_in = kh·kw·in/groups; scale = gain / sqrt(max(var·fan_in, 1e-4));
 * kernel = v·scale − mean·scale.
 */

export const WS_EPSILON = 1e-4;

/**
 * `v` is OIHW [out, in/groups, kh, kw]. `inputScale` multiplies the result, which is how a constant
 * factor on the conv's input (an activation gain, a beta) is folded in: conv(k·x; W) = conv(x; k·W).
 */
export function standardiseConvKernel(v: Float32Array, gain: Float32Array, conv: ConvSpec, inputScale = 1): Float32Array {
  const fanIn = (conv.inChannels / conv.groups) * conv.kernel[0] * conv.kernel[1];
  if (v.length !== fanIn * conv.outChannels || gain.length !== conv.outChannels) {
    throw new Error(`weight standardisation: kernel of ${v.length} values / gain of ${gain.length} do not fit ${conv.outChannels}×${fanIn}`);
  }
  const out = new Float32Array(v.length);
  for (let o = 0; o < conv.outChannels; o++) {
    const start = o * fanIn;
    let sum = 0;
    for (let i = 0; i < fanIn; i++) sum += v[start + i]!;
    const mean = sum / fanIn;
    let squares = 0;
    for (let i = 0; i < fanIn; i++) {
      const d = v[start + i]! - mean;
      squares += d * d;
    }
    const variance = squares / fanIn;
    const scale = (gain[o]! / Math.sqrt(Math.max(variance * fanIn, WS_EPSILON))) * inputScale;
    const shift = mean * scale;
    for (let i = 0; i < fanIn; i++) out[start + i] = v[start + i]! * scale - shift;
  }
  return out;
}
