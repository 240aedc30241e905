import { describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { runNetwork } from '../../sim/run/network.js';
import { loadTrace } from '../../sim/workloads/trace.js';

// --candidates K: the mapper's closest K mappings are simulated and the fastest kept; the JSON layer record
// names the pick and the runner-up. The pick can never be slower than the mapper's first choice, which is
// among the candidates.
describe('mapping candidates', () => {
  it('keeps the fastest of the simulated candidates, never slower than the first choice', () => {
    const base = { hw: loadHwConfig('eyeriss-v2'), trace: loadTrace('mobilenet-v1-0.5-128-sparse'), layers: ['conv_pw_6', 'conv_dw_6'], seed: 1, engine: 'event' as const, check: true, peMode: 'compressed' as const };
    const one = runNetwork(base).layers;
    const four = runNetwork({ ...base, candidates: 4 }).layers;
    for (let i = 0; i < one.length; i++) {
      const choice = four[i]!.mappingChoice!;
      expect(four[i]!.check).toBe('pass');
      expect(choice.candidates.length).toBeGreaterThan(0);
      expect(choice.candidates[0]!.mapping).toBe(one[i]!.mappingText);
      expect(choice.picked).toBe(four[i]!.mappingText);
      const simulated = choice.candidates.filter((c) => c.cycles !== null).map((c) => c.cycles!);
      expect(four[i]!.cycles).toBe(Math.min(...simulated));
      expect(four[i]!.cycles).toBeLessThanOrEqual(one[i]!.cycles);
      if (simulated.length > 1) expect(choice.runnerUp).not.toBeNull();
    }
    expect(one[0]!.mappingChoice).toBeUndefined();
  });
});
