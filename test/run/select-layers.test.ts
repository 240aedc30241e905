import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { packageRoot } from '../../sim/paths.js';
import { selectLayers } from '../../sim/run/network.js';
import { loadTrace } from '../../sim/workloads/trace.js';

describe('--layers', () => {
  const base = loadTrace(join(packageRoot(), 'test', 'fixtures', 'small-net.json'));
  // The first layer renamed with a comma in its name, as an ONNX node's name may have.
  const first = base.layers[0]!.name;
  const trace = { ...base, layers: base.layers.map((l, i) => (i === 0 ? { ...l, name: 'a,b' } : l)) };

  it('a layer whose name holds a comma is selected by its whole name', () => {
    expect(selectLayers(trace, ['a', 'b'], undefined).onChip.map((l) => l.name)).toEqual(['a,b']);
  });

  it('names that are neither layers nor one layer joined are still an input error naming them', () => {
    expect(() => selectLayers(trace, ['a', 'c'], undefined)).toThrow(InputError);
    expect(() => selectLayers(trace, ['a', 'c'], undefined)).toThrow(/"a", "c"/);
    expect(() => selectLayers(base, [first, 'nope'], undefined)).toThrow(/"nope"/);
  });
});
