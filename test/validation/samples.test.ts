import { describe, expect, it } from 'vitest';
import { sampleLines } from '../../sim/cli/validate-command.js';
import { sampleOf, type ValidationSummary } from '../../sim/validation/validate.js';

describe('validate: in-sample and out-of-sample errors apart', () => {
  it('AlexNet power is in sample (calibrate fits it), VGG-16 power out of sample, other metrics not fitted', () => {
    expect(sampleOf('alexnet', 'powerMw')).toBe('in');
    expect(sampleOf('vgg16', 'powerMw')).toBe('out');
    expect(sampleOf('alexnet', 'glbAccesses')).toBe('none');
    expect(sampleOf('vgg16', 'totalLatencyMs')).toBe('none');
  });

  it('prints the power errors on separate lines', () => {
    const s = (network: string, mapping: 'paper' | 'mapper', e: number): ValidationSummary =>
      ({ network, mapping, metric: 'powerMw', meanAbsErrorPercent: e, sample: sampleOf(network, 'powerMw') });
    const lines = sampleLines([s('alexnet', 'paper', 1.97), s('vgg16', 'mapper', 8.25)]);
    expect(lines[0]).toBe('power, mean |error|, in sample (fitted by eyeriss-sim calibrate: AlexNet CONV1-5): alexnet (paper\'s mappings) 2.0%');
    expect(lines[1]).toMatch(/out of sample .*: vgg16 \(mapper's mappings\) 8\.3%$/);
    expect(sampleLines([s('alexnet', 'paper', 1)])[1]).toMatch(/: not run$/);
  });
});
