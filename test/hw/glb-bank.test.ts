import { describe, expect, it } from 'vitest';
import { Simulator } from '../../sim/engine/simulator.js';
import type { Packet } from '../../sim/hw/channel.js';
import { StagingBank } from '../../sim/hw/glb/source-bank.js';
import { OffChipInterface } from '../../sim/hw/off-chip.js';
import { AccessCounts } from '../../sim/stats/access-counts.js';

const packet = (payload: number, bits: number): Packet => ({ payload, pass: 0, bits, entries: 1, rows: 0, dests: [0] });

describe('a GLB bank behind a source port (hand-checked)', () => {
  it('reads what it still holds again without going off-chip, and replaces the oldest data nobody still needs', () => {
    // A 100-bit bank on a 10-bit GLB port, off-chip latency 5, unlimited bandwidth. The channel asks for
    // payloads 0 (60 b), 1 (30 b), 0 again and 2 (50 b), all at cycle 0:
    //   0: fetched at 0, in the bank at 5; 6 GLB writes.   1: fetched at 0, at 5; 3 writes (90 b held).
    //   0 again: still held, no fetch, ready at once.        2: 140 b > 100 b and the oldest (0) has sends
    //   ahead: no room. After 0 is sent at 5 and 1 at 6 it still has one send ahead (oldest first: 2 waits);
    //   once the second 0 leaves at 7, 0 is dropped and 2 is fetched at 7 (when the space was freed), in at 12.
    // Off-chip 60 + 30 + 50 = 140 b read; GLB writes 6 + 3 + 5 = 14, reads 6 + 3 + 6 = 15.
    const sim = new Simulator('event');
    const counts = new AccessCounts();
    const offChip = new OffChipInterface(sim, counts, null, 5);
    const bank = new StagingBank({ dataType: 'iact', bufferBits: 100, glbPortBits: 10, dramBits: (pk) => pk.bits, loadedByOthers: null, payloads: 3, metadataBits: () => 0 }, offChip, counts);
    const pks = [packet(0, 60), packet(1, 30), packet(0, 60), packet(2, 50)];
    expect(pks.slice(0, 3).map((pk, slot) => bank.stage(slot, pk, 0, 0))).toEqual([true, true, true]);
    expect([0, 1, 2].map((slot) => bank.readyAt(slot))).toEqual([5, 5, 0]);
    expect(bank.stage(3, pks[3]!, 0, 0)).toBe(false);
    bank.sent(0, pks[0]!, 5, 0);
    bank.sent(1, pks[1]!, 6, 0);
    expect(bank.stage(3, pks[3]!, 6, 0)).toBe(false);
    bank.sent(2, pks[2]!, 7, 0);
    expect(bank.stage(3, pks[3]!, 7, 0)).toBe(true);
    expect(bank.readyAt(3)).toBe(12);
    expect(offChip.readBits).toBe(140);
    expect([counts.get('glb', 'iact', 'write'), counts.get('glb', 'iact', 'read')]).toEqual([14, 15]);
  });

  it('without space stages one packet at the port and counts no GLB access', () => {
    const sim = new Simulator('event');
    const counts = new AccessCounts();
    const offChip = new OffChipInterface(sim, counts, null, 2);
    const bank = new StagingBank({ dataType: 'weight', bufferBits: 0, glbPortBits: 24, dramBits: (pk) => pk.bits, loadedByOthers: null, payloads: 2, metadataBits: () => 0 }, offChip, counts);
    expect(bank.lookahead).toBe(1);
    const pk = packet(1, 48);
    expect(bank.stage(0, pk, 3, 0)).toBe(true);
    expect(bank.readyAt(0)).toBe(5);
    bank.sent(0, pk, 5, 0);
    // The same payload again is fetched again: nothing is held.
    expect(bank.stage(0, pk, 6, 0)).toBe(true);
    expect(bank.readyAt(0)).toBe(8);
    expect(offChip.readBits).toBe(96);
    expect([counts.get('glb', 'weight', 'write'), counts.get('glb', 'weight', 'read')]).toEqual([0, 0]);
  });
});
