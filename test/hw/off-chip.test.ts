import { describe, expect, it } from 'vitest';
import { Simulator } from '../../sim/engine/simulator.js';
import { OffChipInterface } from '../../sim/hw/off-chip.js';
import { AccessCounts } from '../../sim/stats/access-counts.js';

describe('off-chip interface', () => {
  it('keeps state for the requests in flight only, however long the run', () => {
    // A requester that keeps 4 reads in flight over 100,000 requests, plus an output write per read that
    // nobody waits for: slots stay at 4 (the initial 64 are never outgrown).
    const sim = new Simulator('event');
    const counts = new AccessCounts();
    const off = new OffChipInterface(sim, counts, null, 10);
    off.id = sim.add(off);
    const inFlight: number[] = [];
    let maxInUse = 0;
    let wrong = 0;
    for (let i = 0; i < 100_000; i++) {
      inFlight.push(off.request(i, 64, 'iact', false, 0));
      off.request(i, 8, 'psum', true, -1);
      maxInUse = Math.max(maxInUse, off.ticketsInUse);
      if (inFlight.length === 4) {
        const t = inFlight.shift()!;
        if (off.readyAt(t) !== i - 3 + 10) wrong++;
        off.release(t);
      }
    }
    expect(wrong).toBe(0);
    expect(maxInUse).toBe(4);
    expect(off.readBits).toBe(6_400_000);
    expect(off.writeBits).toBe(800_000);
    expect(off.lastCompletion).toBe(99_999 + 10);
  });

  it('serves a bandwidth-limited link first come, first served, the same cycle in requester order', () => {
    // 16 bits a cycle, latency 2. Requests at cycle 0: requester 2 asks 32 b, requester 1 asks 48 b; at
    // cycle 1 requester 0 asks 16 b. Arbitrated at cycle 1: requester 1 first (48 b: cycles 1-3, ready at
    // ceil(4) + 2 = 6), then requester 2 (32 b: 4-6, ready 8); at cycle 2 requester 0 (16 b: 6-7, ready 9).
    const sim = new Simulator('event');
    const off = new OffChipInterface(sim, new AccessCounts(), 16, 2);
    const idle = { name: 'r', step: () => undefined };
    sim.add(idle);
    sim.add(idle);
    sim.add(idle);
    off.id = sim.add(off);
    const t2 = off.request(0, 32, 'iact', false, 2);
    const t1 = off.request(0, 48, 'weight', false, 1);
    sim.wake(0, 1);
    const late = { name: 'late', step: (now: number) => { if (now === 1) t0 = off.request(1, 16, 'iact', false, 0); } };
    let t0 = -1;
    sim.components[0] = late;
    sim.run();
    expect([off.readyAt(t1), off.readyAt(t2), off.readyAt(t0)]).toEqual([6, 8, 9]);
    expect(off.lastCompletion).toBe(9);
  });
});
