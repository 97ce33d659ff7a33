import { describe, expect, it } from 'vitest';
import { functionalLayerOrder } from './functional-order.js';

describe('functionalLayerOrder', () => {
  it('sorts by longest path to the output, ties by first visit of a DFS from the output', () => {
    // out = concat([a, b2]); a <- in; b2 <- b1 <- in. Depths: in 3, b1 2, a 1, b2 1, concat 0.
    const layers = [
      { name: 'concat', inputs: ['a', 'b2'] },
      { name: 'b2', inputs: ['b1'] },
      { name: 'b1', inputs: ['in'] },
      { name: 'a', inputs: ['in'] },
      { name: 'in', inputs: [] },
    ];
    expect(functionalLayerOrder(layers, 'concat').map((l) => l.name)).toEqual(['in', 'b1', 'a', 'b2', 'concat']);
  });

  it('visits first-argument tensors before keyword tensors (as given in inputs)', () => {
    // mul(x=e, y=h): e and h both at depth 1; e was listed first, so the DFS reaches it first.
    const layers = [
      { name: 'in', inputs: [] },
      { name: 'h', inputs: ['in'] },
      { name: 'e', inputs: ['in'] },
      { name: 'mul', inputs: ['e', 'h'] },
    ];
    expect(functionalLayerOrder(layers, 'mul').map((l) => l.name)).toEqual(['in', 'e', 'h', 'mul']);
  });

  it('leaves out layers the output does not depend on and rejects unknown inputs', () => {
    const layers = [
      { name: 'in', inputs: [] },
      { name: 'out', inputs: ['in'] },
      { name: 'dangling', inputs: ['in'] },
    ];
    expect(functionalLayerOrder(layers, 'out').map((l) => l.name)).toEqual(['in', 'out']);
    expect(() => functionalLayerOrder([{ name: 'out', inputs: ['ghost'] }], 'out')).toThrow(/ghost/);
  });
});
