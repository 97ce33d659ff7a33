import { describe, expect, it } from 'vitest';
import { findPython } from './find-python.js';

describe('findPython', () => {
  it('reports every candidate it refused, with a reason', () => {
    const lookup = findPython(['a_module_that_does_not_exist_xyz']);
    expect(lookup.python).toBeNull();
    expect(lookup.tried.length).toBeGreaterThan(0);
    for (const t of lookup.tried) expect(t.reason).toMatch(/\S/);
  });
});
