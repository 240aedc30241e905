import type { Component, Simulator } from '../engine/simulator.js';
import type { AccessCounts, DataType } from '../stats/access-counts.js';

/**
 * The off-chip interface: DRAM behind a link of finite aggregate (read + write) bandwidth, or unlimited as in
 * JETCAS19's headline results. Requests are served first come, first served; requests of the same cycle in
 * requester order, so the result does not depend on which component stepped first. Data moves in the
 * hardware's format (CSC with metadata for iacts and weights), so the bits requested are the bits moved.
 */
export class OffChipInterface implements Component {
  readonly name = 'off-chip';
  id = -1;
  private busyUntil = 0; // fractional cycles
  private readyTimes: number[] = [];
  private pending: { ticket: number; requester: number; bits: number; time: number }[] = [];
  /** Cycle at which the last transfer (read or write) completes. */
  lastCompletion = 0;
  /** Bits read and written, for the report's dramBytes. */
  readBits = 0;
  writeBits = 0;

  constructor(
    private readonly sim: Simulator,
    private readonly counts: AccessCounts,
    /** Bits per core cycle, or null for unlimited. */
    private readonly bitsPerCycle: number | null,
    private readonly latency: number,
  ) {}

  get unlimited(): boolean {
    return this.bitsPerCycle === null;
  }

  /**
   * Requests a transfer; returns a ticket. With unlimited bandwidth the data is ready `latency` cycles later
   * at once; otherwise the request is arbitrated at the next cycle and `requester` is woken when it completes.
   */
  request(now: number, bits: number, dataType: DataType, write: boolean, requester: number): number {
    this.counts.add('dram', dataType, write ? 'write' : 'read', bits);
    if (write) this.writeBits += bits;
    else this.readBits += bits;
    const ticket = this.readyTimes.length;
    if (this.bitsPerCycle === null) {
      const done = now + this.latency;
      this.readyTimes.push(done);
      if (done > this.lastCompletion) this.lastCompletion = done;
    } else {
      this.readyTimes.push(Infinity);
      this.pending.push({ ticket, requester, bits, time: now });
      this.sim.wake(this.id, now + 1);
    }
    return ticket;
  }

  readyAt(ticket: number): number {
    return this.readyTimes[ticket]!;
  }

  step(now: number): void {
    if (this.pending.length === 0 || this.bitsPerCycle === null) return;
    const due = this.pending.filter((r) => r.time < now);
    if (due.length === 0) return;
    this.pending = this.pending.filter((r) => r.time >= now);
    due.sort((a, b) => a.time - b.time || a.requester - b.requester || a.ticket - b.ticket);
    for (const r of due) {
      const start = Math.max(this.busyUntil, now);
      this.busyUntil = start + r.bits / this.bitsPerCycle;
      const done = Math.ceil(this.busyUntil) + this.latency;
      this.readyTimes[r.ticket] = done;
      if (done > this.lastCompletion) this.lastCompletion = done;
      if (r.requester >= 0) this.sim.wake(r.requester, done);
    }
  }
}
