import { describe, expect, it } from 'vitest';
import { MuleError } from '../errors/mule-error.js';
import { MULE_FRONT_END } from '../frontend/frontend-params.js';
import { MULE_F0_PARAMETER_COUNT, MULE_F0_SPEC } from '../spec/sfnfnet-spec.js';
import { makeModelConfig, parseModelConfig, validateModelConfig } from './model-config.js';

const GOOD = makeModelConfig(MULE_F0_SPEC, MULE_F0_PARAMETER_COUNT, true);

type Sections = Record<string, Record<string, unknown>>;
const sub = (o: unknown): Record<string, unknown> => o as Record<string, unknown>;

function fails(edit: (c: Sections) => void): MuleError {
  const value = JSON.parse(JSON.stringify(GOOD)) as Sections;
  edit(value);
  try {
    validateModelConfig(value, 'art/config.json');
  } catch (e) {
    return e as MuleError;
  }
  throw new Error('expected the config to be refused');
}

describe('config.json', () => {
  it('holds every front-end parameter and round-trips through its text', () => {
    expect(GOOD).toMatchObject({ decoding: MULE_FRONT_END.decoding, resampling: MULE_FRONT_END.resampling, melFrontEnd: MULE_FRONT_END.melFrontEnd, slicing: MULE_FRONT_END.slicing });
    expect(GOOD.backbone).toEqual({ input: { name: 'mel_slices', layout: 'NCHW', shape: [null, 1, 96, 300] }, output: { name: 'embedding', shape: [null, 1728] } });
    expect(parseModelConfig(JSON.stringify(GOOD), 'config.json')).toEqual(GOOD);
  });

  it('names the field of a value of the wrong type (MALFORMED_CONFIG) or one a consumer cannot honour (UNSUPPORTED)', () => {
    const cases: Array<[(c: Sections) => void, string, string, RegExp]> = [
      [(c) => (c.melFrontEnd!.nMels = '96'), 'MALFORMED_CONFIG', 'melFrontEnd.nMels', /melFrontEnd\.nMels must be an integer >= 1 and <= 4096, found "96"/],
      [(c) => (c.decoding!.int16Scale = 0), 'MALFORMED_CONFIG', 'decoding.int16Scale', /decoding\.int16Scale must be a finite number > 0, found 0/],
      [(c) => (sub(c.resampling!.filter).rolloff = 1.5), 'MALFORMED_CONFIG', 'resampling.filter.rolloff', /must be a finite number > 0 and <= 1, found 1\.5/],
      [(c) => delete c.slicing!.stdFloor, 'MALFORMED_CONFIG', 'slicing.stdFloor', /slicing\.stdFloor must be a finite number >= 0, found nothing \(the field is missing\)/],
      [(c) => (c.melFrontEnd!.window = 'hamming'), 'UNSUPPORTED', 'melFrontEnd.window', /melFrontEnd\.window must be "hann", found "hamming"/],
      [(c) => (c.melFrontEnd!.nFft = 2000), 'UNSUPPORTED', 'melFrontEnd.nFft', /a power of two/],
      [(c) => (c.resampling!.method = 'soxr_hq'), 'UNSUPPORTED', 'resampling.method', /"resampy-kaiser-sinc", found "soxr_hq"/],
      [(c) => (c.melFrontEnd!.sampleRate = 22_050), 'MALFORMED_CONFIG', 'melFrontEnd.sampleRate', /must be 16000 to fit the stage it feeds/],
      [(c) => (sub(c.backbone!.output).shape = [null, 512]), 'MALFORMED_CONFIG', 'backbone.output.shape[1]', /must be 1728 to fit the stage it feeds, found 512/],
      [(c) => ((c as Record<string, unknown>).parameterCount = 1), 'MALFORMED_CONFIG', 'parameterCount', /must be 62345742 \(the count of spec\)/],
    ];
    for (const [edit, code, field, message] of cases) {
      const e = fails(edit);
      expect(e, field).toBeInstanceOf(MuleError);
      expect({ code: e.code, field: e.details.field, file: e.details.file }).toEqual({ code, field, file: 'art/config.json' });
      expect(e.message, field).toMatch(message);
      expect(e.message.startsWith('art/config.json: ')).toBe(true);
    }
  });

  it('refuses another format version, saying to convert again (older) or upgrade (newer)', () => {
    expect(fails((c) => ((c as Record<string, unknown>).formatVersion = 1))).toMatchObject({ code: 'UNSUPPORTED', details: { hint: expect.stringMatching(/convert the Keras file again/) } });
    expect(fails((c) => ((c as Record<string, unknown>).formatVersion = 3))).toMatchObject({ code: 'UNSUPPORTED', details: { hint: expect.stringMatching(/upgrade @mule-ts packages/) } });
    expect(() => parseModelConfig('{"format":', 'c.json')).toThrow(/c\.json: cannot read the model config/);
  });
});
