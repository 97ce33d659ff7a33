/**
 * A music-like test signal made by code: a chord progression with harmonics, kick, snare and
 * hi-hat, and a little noise, in stereo 16-bit PCM (44.1 kHz by default, as decoded CD audio),
 * seeded, so every run verifies the same audio.
 */

export interface TestSignalOptions {
  seconds?: number;
  sampleRate?: number;
  seed?: number;
}

export interface PcmAudio {
  sampleRate: number;
  /** One Int16Array per channel (left, right). */
  channels: Int16Array[];
}

export const TEST_SIGNAL_DEFAULTS = { seconds: 7, sampleRate: 44_100, seed: 1 } as const;

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHORDS_MIDI = [
  [57, 60, 64, 69], // A minor
  [53, 57, 60, 65], // F major
  [48, 55, 60, 64], // C major
  [55, 59, 62, 67], // G major
];

function midiToHz(note: number): number {
  return 440 * 2 ** ((note - 69) / 12);
}

/** Stereo 16-bit PCM of the test signal (peak at 70% of full scale). */
export function generateTestSignal(options: TestSignalOptions = {}): PcmAudio {
  const seconds = options.seconds ?? TEST_SIGNAL_DEFAULTS.seconds;
  const sampleRate = options.sampleRate ?? TEST_SIGNAL_DEFAULTS.sampleRate;
  const random = seededUniform(options.seed ?? TEST_SIGNAL_DEFAULTS.seed);
  const n = Math.round(seconds * sampleRate);
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  const add = (i: number, value: number, pan: number): void => {
    left[i]! += value * (1 - pan);
    right[i]! += value * (1 + pan);
  };

  // Chords: 4 voices x 3 harmonics, each voice detuned a little and panned.
  const chordSeconds = seconds / 4;
  for (let c = 0; c < 4; c++) {
    const start = Math.round(c * chordSeconds * sampleRate);
    const end = Math.min(n, Math.round((c + 1) * chordSeconds * sampleRate));
    for (const [v, note] of CHORDS_MIDI[c % CHORDS_MIDI.length]!.entries()) {
      const hz = midiToHz(note) * (1 + (random() - 0.5) * 0.004);
      const pan = (v / 3 - 0.5) * 0.6;
      const phase = random() * 2 * Math.PI;
      for (let i = start; i < end; i++) {
        const t = (i - start) / sampleRate;
        const envelope = Math.min(1, t / 0.02) * Math.min(1, (end - i) / (0.05 * sampleRate)) * Math.exp(-0.6 * t);
        let value = 0;
        for (let h = 1; h <= 3; h++) value += Math.sin(2 * Math.PI * hz * h * t + phase * h) / 2 ** (h - 1);
        add(i, 0.08 * envelope * value, pan);
      }
    }
  }

  // Drums at 120 BPM: kick on every beat, snare on 2 and 4, hi-hat on eighths.
  const beat = 0.5;
  const hit = (at: number, length: number, voice: (t: number) => number, pan = 0): void => {
    const start = Math.round(at * sampleRate);
    const end = Math.min(n, start + Math.round(length * sampleRate));
    for (let i = start; i < end; i++) add(i, voice((i - start) / sampleRate), pan);
  };
  for (let b = 0; b * beat < seconds; b++) {
    hit(b * beat, 0.4, (t) => 0.5 * Math.exp(-t / 0.12) * Math.sin(2 * Math.PI * (45 * t + (75 * 0.05) * (1 - Math.exp(-t / 0.05)))));
    if (b % 2 === 1) hit(b * beat, 0.25, (t) => Math.exp(-t / 0.06) * (0.25 * (2 * random() - 1) + 0.12 * Math.sin(2 * Math.PI * 190 * t)), 0.1);
  }
  for (let e = 0; e * (beat / 2) < seconds; e++) {
    let previous = 0;
    hit(e * (beat / 2), 0.08, (t) => {
      const white = 2 * random() - 1;
      const high = white - previous; // first difference: a crude high-pass
      previous = white;
      return 0.06 * Math.exp(-t / 0.02) * high;
    }, -0.3);
  }

  // Background noise at about -50 dB.
  for (let i = 0; i < n; i++) {
    left[i]! += 0.003 * (random() + random() + random() - 1.5);
    right[i]! += 0.003 * (random() + random() + random() - 1.5);
  }

  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(left[i]!), Math.abs(right[i]!));
  const gain = peak > 0 ? (0.7 * 32767) / peak : 0;
  const toPcm = (x: Float64Array): Int16Array => Int16Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v * gain))));
  return { sampleRate, channels: [toPcm(left), toPcm(right)] };
}

/**
 * Upstream's amplitude convention (UPSTREAM.md "Audio in"): each channel int16 / 2**16, channels
 * summed (not averaged). Exact in float32 (at most 17 significant bits).
 */
export function upstreamMono(audio: PcmAudio): Float32Array {
  const [first] = audio.channels;
  if (!first) throw new Error('audio without channels');
  const out = new Float32Array(first.length);
  for (const channel of audio.channels) {
    if (channel.length !== first.length) throw new Error('channels of different lengths');
    for (let i = 0; i < channel.length; i++) out[i]! += channel[i]! / 65_536;
  }
  return out;
}
