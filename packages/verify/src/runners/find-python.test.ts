// The interpreter search order and the command lines, with scripted probes (no real processes).
import { describe, expect, it } from 'vitest';
import { findReferenceInterpreter, ReferencePythonNotFoundError, type CommandProbe } from './find-python.js';
import { createReferenceRunner } from './create-runner.js';
import { REFERENCE_ENTRY_SCRIPT, REFERENCE_PYTHON_DIR } from './reference-paths.js';
import { pythonReferenceCommand, referenceArgv, uvReferenceCommand } from './subprocess-runner.js';
import { stageArguments } from './reference-protocol.js';

/** A probe that accepts exactly the commands in `working` and records every call. */
function scriptedProbe(working: string[]): CommandProbe & { calls: string[] } {
  const calls: string[] = [];
  const probe = ((command: string, args: readonly string[]) => {
    calls.push(`${command} ${args.join(' ')}`);
    if (working.includes(command)) return { ok: true, reason: '' };
    return { ok: false, reason: command === 'uv' ? 'not found' : "ModuleNotFoundError: No module named 'numpy'" };
  }) as CommandProbe & { calls: string[] };
  probe.calls = calls;
  return probe;
}

describe('findReferenceInterpreter', () => {
  it('takes MULE_PYTHON first, and checks it imports numpy and h5py', () => {
    const probe = scriptedProbe(['/opt/py/bin/python3', 'uv', '/usr/bin/python3']);
    const found = findReferenceInterpreter({ env: { MULE_PYTHON: '/opt/py/bin/python3' }, probe });
    expect(found).toMatchObject({ kind: 'python', command: '/opt/py/bin/python3', source: 'MULE_PYTHON' });
    expect(probe.calls).toEqual(['/opt/py/bin/python3 -c import numpy, h5py']);
  });

  it('refuses a MULE_PYTHON that cannot import them, without falling back', () => {
    const probe = scriptedProbe(['uv', '/usr/bin/python3']);
    expect(() => findReferenceInterpreter({ env: { MULE_PYTHON: '/bad/python' }, probe })).toThrow(/MULE_PYTHON=\/bad\/python: ModuleNotFoundError/);
  });

  it('prefers uv over python candidates when uv is on PATH', () => {
    const found = findReferenceInterpreter({ env: {}, probe: scriptedProbe(['uv', '/usr/bin/python3']) });
    expect(found).toMatchObject({ kind: 'uv', command: 'uv' });
  });

  it('then takes the first candidate that imports numpy and h5py, recording each refusal', () => {
    const found = findReferenceInterpreter({ env: {}, probe: scriptedProbe(['python']), candidates: ['/usr/bin/python3', 'python3', 'python'] });
    expect(found.command).toBe('python');
    expect(found.tried).toEqual([
      { candidate: 'MULE_PYTHON', reason: 'not set' },
      { candidate: 'uv', reason: 'not found' },
      { candidate: '/usr/bin/python3', reason: "ModuleNotFoundError: No module named 'numpy'" },
      { candidate: 'python3', reason: "ModuleNotFoundError: No module named 'numpy'" },
    ]);
  });

  it('fails with every candidate and its reason when none works', () => {
    let error: unknown;
    try {
      findReferenceInterpreter({ env: {}, probe: scriptedProbe([]), candidates: ['/usr/bin/python3', 'python3'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReferencePythonNotFoundError);
    const message = (error as Error).message;
    for (const line of ['MULE_PYTHON: not set', 'uv: not found', "/usr/bin/python3: ModuleNotFoundError: No module named 'numpy'", 'python3: ModuleNotFoundError']) {
      expect(message).toContain(line);
    }
  });

  it('--runner uv without uv names what it tried', () => {
    expect(() => createReferenceRunner('uv', { probe: scriptedProbe([]) })).toThrow(/--runner uv: uv is not on PATH[\s\S]*uv: not found/);
    expect(createReferenceRunner('uv', { probe: scriptedProbe(['uv']) }).name).toBe('uv');
    expect(createReferenceRunner('python', { env: {}, probe: scriptedProbe(['uv']) }).name).toBe('uv');
  });
});

describe('reference command lines', () => {
  const args = stageArguments('embed', { waveform: '/w/in/waveform.npy' }, { keras: '/m/model.keras', batch: 2 }, '/w/out');

  it('python: -m mule_reference with the package directory on PYTHONPATH', () => {
    const command = pythonReferenceCommand('/usr/bin/python3', { PYTHONPATH: '/site' });
    expect(command.env).toEqual({ PYTHONPATH: `${REFERENCE_PYTHON_DIR}:/site` });
    expect(referenceArgv(command, args)).toEqual([
      '/usr/bin/python3', '-m', 'mule_reference', 'embed', '--waveform', '/w/in/waveform.npy', '--keras', '/m/model.keras', '--batch', '2', '--out', '/w/out',
    ]);
  });

  it('uv: uv run of the PEP 723 entry script, same stage arguments', async () => {
    const command = uvReferenceCommand();
    expect(command.env).toEqual({});
    expect(referenceArgv(command, args)).toEqual(['uv', 'run', '--quiet', REFERENCE_ENTRY_SCRIPT, ...args]);
    const { readFile } = await import('node:fs/promises');
    const script = await readFile(REFERENCE_ENTRY_SCRIPT, 'utf8');
    expect(script).toMatch(/^# \/\/\/ script\n# requires-python = "[^"]+"\n# dependencies = \["numpy", "h5py"\]\n# \/\/\/\n/);
  });

  it('stage arguments name the missing input or model file', () => {
    expect(() => stageArguments('slices', {}, {}, '/o')).toThrow(/missing input 'mel'/);
    expect(() => stageArguments('backbone', { slices: '/s.npy' }, {}, '/o')).toThrow(/needs the Keras model file/);
    expect(() => stageArguments('mel', { waveform: '/w', mel: '/m' }, {}, '/o')).toThrow(/unexpected input\(s\) mel/);    expect(() => stageArguments('resample', { waveform: '/w.npy' }, {}, '/o')).toThrow(/resample: needs the input sample rate/);
  });

  it('resample: --sr from options.sampleRate, --dtype passed through', () => {
    expect(stageArguments('resample', { waveform: '/w.npy' }, { sampleRate: 44_100 }, '/o')).toEqual(['resample', '--waveform', '/w.npy', '--sr', '44100', '--out', '/o']);
    expect(stageArguments('resample', { waveform: '/w.npy' }, { sampleRate: 48_000, dtype: 'float32' }, '/o')).toEqual([
      'resample', '--waveform', '/w.npy', '--sr', '48000', '--dtype', 'float32', '--out', '/o',
    ]);
    expect(stageArguments('mel', { waveform: '/w.npy' }, { dtype: 'float32', sampleRate: 16_000 }, '/o')).toEqual(['mel', '--waveform', '/w.npy', '--out', '/o']);
  });
});
