import { describe, expect, it } from 'vitest';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import { runNetwork, type NetworkRunOptions } from '../../sim/run/network.js';
import type { LoadedTrace } from '../../sim/workloads/trace.js';
import { layer } from '../support/layers.js';

const v2 = loadHwConfig('eyeriss-v2');

function traceOf(iactDensity: number, weightDensity: number): LoadedTrace {
  return {
    name: 'one-layer', file: '', sha256: '', description: '', sources: [], batch: 1, inputShape: [32, 8, 8], tensors: new Map(),
    layers: [layer({ name: 'pw', type: 'PWCONV', C: 32, H: 8, W: 8, M: 32, iactDensity, weightDensity, seed: 3 })],
  };
}

const run = (trace: LoadedTrace, extra: Partial<NetworkRunOptions> = {}) =>
  runNetwork({ hw: v2, trace, seed: 1, engine: 'event', check: true, ...extra }).layers[0]!;

const totalMetadata = (l: ReturnType<typeof run>): number => l.counts.metadataBits.reduce((a, b) => a + b, 0);

describe('sparse PE modes per layer', () => {
  it('a dense layer runs in both modes; compressed data carries CSC metadata and costs more, so uncompressed is kept', () => {
    const l = run(traceOf(1, 1));
    expect(l.check).toBe('pass');
    const [kept, other] = l.peModeChoice.runs;
    expect(kept!.simulated && other!.simulated).toBe(true);
    const byMode = Object.fromEntries(l.peModeChoice.runs.map((r) => [r.peMode, r]));
    expect(byMode.uncompressed!.metadataBits).toBe(0);
    expect(byMode.compressed!.metadataBits).toBeGreaterThan(0);
    expect(byMode.compressed!.energyJoules).toBeGreaterThan(byMode.uncompressed!.energyJoules!);
    expect(l.peModeChoice.picked).toBe('uncompressed');
    expect(l.mapping.peMode).toBe('uncompressed');
    expect(l.energy.totalJoules).toBe(byMode.uncompressed!.energyJoules);
    expect(l.peModeChoice.reason).toMatch(/^lower energy: compressed mode costs 1\.\d+x$/);
  });

  it('forcing a mode runs only it, with the same result as that mode\'s run under auto', () => {
    const auto = run(traceOf(1, 1));
    const forced = run(traceOf(1, 1), { peMode: 'compressed' });
    expect(forced.peModeChoice.runs).toHaveLength(1);
    expect(forced.peModeChoice.reason).toBe('--pe-mode compressed');
    expect(forced.check).toBe('pass');
    const autoCompressed = auto.peModeChoice.runs.find((r) => r.peMode === 'compressed')!;
    expect(forced.cycles).toBe(autoCompressed.cycles);
    expect(forced.energy.totalJoules).toBe(autoCompressed.energyJoules);
    expect(totalMetadata(forced)).toBe(autoCompressed.metadataBits);
    // Metadata crosses the NoC once per send and is written into every SPad a multicast reaches. Dense iacts
    // may go raw beside CSC weights (mapping `iacts=raw`): then they carry none.
    const report = forced.counts.metadataReport();
    const raw = forced.mapping.iacts === 'raw';
    if (raw) expect(report.noc.iact + report.spad.iact).toBe(0);
    for (const dt of raw ? (['weight'] as const) : (['iact', 'weight'] as const)) {
      expect(report.noc[dt], dt).toBeGreaterThan(0);
      expect(report.spad[dt], dt).toBeGreaterThanOrEqual(report.noc[dt]);
    }
    expect(report.spad.psum + report.noc.psum).toBe(0);
  });

  it('a very sparse layer is kept compressed without simulating the mode the mapper estimates far slower', () => {
    const l = run(traceOf(0.2, 0.1));
    expect(l.peModeChoice.picked).toBe('compressed');
    const other = l.peModeChoice.runs[1]!;
    expect(other.peMode).toBe('uncompressed');
    expect(other.simulated).toBe(false);
    expect(other.estimatedCycles).toBeGreaterThan(2 * l.estimatedCycles!);
    expect(l.peModeChoice.reason).toMatch(/uncompressed mode estimated \d+\.\dx the cycles; not simulated/);
  });

  it('a PE with one mode says so', () => {
    const l = runNetwork({ hw: loadHwConfig('eyeriss-v1'), trace: traceOf(1, 1), seed: 1, engine: 'event', check: true }).layers[0]!;
    expect(l.peModeChoice).toMatchObject({ picked: 'uncompressed', reason: 'the dense-gating PE has one mode' });
    expect(totalMetadata(l)).toBe(0);
  });
});
