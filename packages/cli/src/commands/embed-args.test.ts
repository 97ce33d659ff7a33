import { describe, expect, it } from 'vitest';
import { outputKindOf, parseEmbedArgs, parseShard } from './embed-args.js';
import { UsageError } from '../usage-error.js';

describe('parseEmbedArgs', () => {
  it('reads files, directories and every option', () => {
    const cmd = parseEmbedArgs(
      ['a.wav', 'dir', '--model', 'art', '--out=out.jsonl', '--timeline', '--dump-stages', 'st', '--resume', '--shard', '2/3', '--decoder', 'wav', '--ffmpeg', '/x/ffmpeg', '--jobs', '0', '--batch-size', '8', '--short-clip', 'pad', '--limit', '5', '--progress', 'none', '--ext', '.WAV,mp3', '--allow-unverified', '--', '--odd-name.wav'],
      3,
    );
    expect(cmd).toMatchObject({
      inputs: ['a.wav', 'dir', '--odd-name.wav'],
      model: 'art',
      out: 'out.jsonl',
      outKind: 'jsonl',
      timeline: true,
      dumpStages: 'st',
      resume: true,
      shard: { index: 2, count: 3 },
      decoder: 'wav',
      ffmpegPath: '/x/ffmpeg',
      jobs: 0,
      batchSize: 8,
      shortClip: 'pad',
      limit: 5,
      progress: 'none',
      extensions: ['wav', 'mp3'],
      allowUnverified: true,
    });
    expect(parseEmbedArgs(['a.wav', '--model', 'm', '--out', 'o.npy'], 3)).toMatchObject({ jobs: 3, outKind: 'npy', timeline: false, shard: null, decoder: 'auto', allowUnverified: false, precision: 'fp32' });
    expect(parseEmbedArgs(['a.wav', '--model', 'm', '--out', 'o.npy', '--precision', 'fp16'])).toMatchObject({ precision: 'fp16' });
  });

  it('parses --shard auto and auto/N (resolved later from the environment) and --inputs LIST', () => {
    expect(parseEmbedArgs(['--inputs', 'list.txt', '--model', 'm', '--out', 'o.npy', '--shard', 'auto'])).toMatchObject({ inputs: [], inputLists: ['list.txt'], shard: null, shardAuto: { count: null } });
    expect(parseEmbedArgs(['a.wav', '--model', 'm', '--out', 'o.npy', '--shard', 'auto/6'])).toMatchObject({ shard: null, shardAuto: { count: 6 }, inputLists: [] });
    expect(parseEmbedArgs(['a.wav', '--model', 'm', '--out', 'o.npy', '--shard', '2/6'])).toMatchObject({ shard: { index: 2, count: 6 }, shardAuto: null });
    expect(() => parseEmbedArgs(['a.wav', '--model', 'm', '--out', 'o.npy', '--shard', 'auto/0'])).toThrow(/--shard auto\/N takes N >= 1/);
    expect(() => parseEmbedArgs(['a.wav', '--model', 'm', '--out', 'o.npy', '--shard', 'automatic'])).toThrow(/auto or auto\/N/);
    expect(() => parseEmbedArgs(['--model', 'm', '--out', 'o.npy'])).toThrow(/give paths, or --inputs LIST/);
  });

  it('parses --shard I/N (1-based)', () => {
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    expect(parseShard('4/4')).toEqual({ index: 4, count: 4 });
    for (const bad of ['0/4', '5/4', '1', '1/0', 'a/b', '1/2/3']) expect(() => parseShard(bad)).toThrow(/--shard/);
  });

  it('tells the output kind from --out', () => {
    expect(outputKindOf('x.NPY')).toBe('npy');
    expect(outputKindOf('x.jsonl')).toBe('jsonl');
    expect(outputKindOf('timelines/')).toBe('dir');
    expect(outputKindOf('some/dir')).toBe('dir');
    expect(() => outputKindOf('x.csv')).toThrow(UsageError);
  });

  it.each([
    [['--model', 'm', '--out', 'o.npy'], /no input/],
    [['a.wav', '--out', 'o.npy'], /--model DIR is required/],
    [['a.wav', '--model', 'm'], /--out OUT is required/],
    [['a.wav', '--model', 'm', '--out', 'o.npy', '--timeline'], /--timeline needs/],
    [['a.wav', '--model', 'm', '--out', 'o.npy', '--resume', '--overwrite'], /exclude/],
    [['a.wav', '--model', 'm', '--out', 'o.npy', '--shard', '0/2'], /--shard takes I\/N/],
    [['a.wav', '--model', 'm', '--out', 'o.npy', '--shard', '3/2'], /--shard takes I\/N/],
    [['a.wav', '--model', 'm', '--out', 'o.npy', '--jobs', '-1'], /--jobs/],
    [['a.wav', '--model', 'm', '--out', 'o.npy', '--decoder', 'sox'], /--decoder/],
    [['a.wav', '--model', '--out', 'o.npy'], /--model needs a value/],
    [['a.wav', '--model', 'm', '--out', 'o.npy', '--progres', 'none'], /unknown option --progres \(did you mean --progress\?\)/],
    [['a.wav', '--model', 'm', '--out', 'o.npy', '--short-clip', 'padd'], /--short-clip takes faithful, pad, got "padd" \(did you mean pad\?\)/],
    [['a.wav', '--model', 'm', '--out', 'o.npy', '--frobnicate'], /unknown option --frobnicate/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseEmbedArgs(argv)).toThrow(UsageError);
    expect(() => parseEmbedArgs(argv)).toThrow(message);
  });
});
