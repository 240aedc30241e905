import { describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { InputError } from '../../sim/errors.js';
import { runNetwork, type NetworkRunOptions } from '../../sim/run/network.js';
import { runNetworkParallel } from '../../sim/run/parallel.js';
import type { LoadedTrace } from '../../sim/workloads/trace.js';
import { randomLayers } from '../support/layers.js';

const layers = randomLayers('parallel', 5);
const trace: LoadedTrace = {
  name: 'random', file: '', sha256: '', description: '', sources: [], batch: 1, inputShape: [layers[0]!.C, layers[0]!.H, layers[0]!.W],
  tensors: new Map(), layers,
};

// Everything but the wall time.
const result = (r: Awaited<ReturnType<typeof runNetworkParallel>>): unknown => ({ ...r, wallSeconds: 0 });

describe('runs on worker threads', () => {
  it('give the serial run\'s result exactly: layers, both PE modes, counts, energy, outputs', async () => {
    const o: NetworkRunOptions = { hw: loadHwConfig('eyeriss-v2'), trace, seed: 4, engine: 'event', check: true };
    const order: string[] = [];
    const parallel = await runNetworkParallel({ ...o, onLayerDone: (_d, _t, r) => order.push(r.name) }, 2);
    const serial = runNetwork(o);
    expect(parallel.layers.some((l) => l.peModeChoice.runs.every((r) => r.simulated))).toBe(true); // both modes ran somewhere
    expect(order).toEqual(layers.map((l) => l.name));
    expect(parallel.layers.every((l) => l.check === 'pass')).toBe(true);
    expect(result(parallel)).toEqual(result(serial));
    expect(parallel.layers[0]!.counts.get('mac', 'psum', 'compute')).toBe(serial.layers[0]!.counts.get('mac', 'psum', 'compute'));
  });

  it('run one layer\'s two PE modes on two threads and still give the serial result', async () => {
    const both = runNetwork({ hw: loadHwConfig('eyeriss-v2'), trace, seed: 4, engine: 'event', check: false });
    const name = both.layers.find((l) => l.peModeChoice.runs.every((r) => r.simulated))!.name;
    const o: NetworkRunOptions = { hw: loadHwConfig('eyeriss-v2'), trace, layers: [name], seed: 4, engine: 'event', check: true };
    expect(result(await runNetworkParallel(o, 2))).toEqual(result(runNetwork(o)));
  });

  it('report the serial run\'s first error', async () => {
    const pinned = new Map([[layers[2]!.name, { ...serialMapping(), M0: 10_000 }]]);
    const o: NetworkRunOptions = { hw: loadHwConfig('eyeriss-v2'), trace, seed: 4, engine: 'event', check: false, mappings: pinned };
    let serialError: unknown;
    try {
      runNetwork(o);
    } catch (e) {
      serialError = e;
    }
    expect(serialError).toBeInstanceOf(InputError);
    await expect(runNetworkParallel(o, 2)).rejects.toThrow((serialError as Error).message);
  });
});

function serialMapping() {
  return runNetwork({ hw: loadHwConfig('eyeriss-v2'), trace, layers: [layers[2]!.name], seed: 4, engine: 'event', check: false, peMode: 'compressed' }).layers[0]!.mapping;
}
